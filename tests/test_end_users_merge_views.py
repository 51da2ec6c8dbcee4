"""Dashboard: merge from the detail page, possible duplicates, the Export button, the ticket view."""
import csv
import io
import re

import pytest

from tests.test_end_users_api import add_channel, add_ticket


@pytest.fixture
def client_a(api, tenant_a):
    return api(tenant_a.admin)


@pytest.fixture
def web(dashboard, tenant_a):
    return dashboard(tenant_a.admin)


def create(client, **fields):
    response = client.post("/api/EndUsers", json=fields)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["endUserID"]


@pytest.fixture
def pair(client_a):
    jane = create(client_a, firstname="Jane", lastname="Doe", company="Acme", uids=[{"uid": "jane@example.com"}])
    janet = create(client_a, firstname="Janet", lastname="Doe", company="Acme", city="Ghent",
                   uids=[{"uidType": "Phone", "uid": "+32470123456"}])
    return jane, janet


def test_detail_offers_merge_and_the_choice_lists_duplicates_and_search(web, pair):
    jane, janet = pair
    html = web.get(f"/end-users/{jane}").get_data(as_text=True)
    assert f'href="/end-users/{jane}/merge"' in html
    choose = web.get(f"/end-users/{jane}/merge").get_data(as_text=True)
    assert "Janet Doe" in choose and "Similar names" in choose
    assert f"/end-users/{jane}/merge/{janet}" in choose
    found = web.get(f"/end-users/{jane}/merge?q=0470123456", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert found.startswith('<div id="merge-candidates"') and "Janet Doe" in found
    nobody = web.get(f"/end-users/{jane}/merge?q=zzz", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Nobody else matches" in nobody


def test_preview_and_merge_with_a_choice_then_undo(web, client_a, pair):
    jane, janet = pair
    html = web.get(f"/end-users/{jane}/merge/{janet}").get_data(as_text=True)
    assert 'name="fieldChoices-firstname" value="target" checked' in html
    assert 'name="fieldChoices-city" value="source" checked' in html
    assert 'data-field="company"' not in html  # the same on both sides: nothing to choose
    response = web.post(f"/end-users/{jane}/merge/{janet}", data={
        "sourceEndUserID": janet, "fieldChoices-firstname": "source", "fieldChoices-city": "source"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/end-users/{jane}")
    page = web.get(f"/end-users/{jane}").get_data(as_text=True)
    assert "Janet Doe was merged into Jane Doe." in page and "Undo" in page
    merged = client_a.get(f"/api/EndUsers/{jane}").get_json()
    assert (merged["firstname"], merged["city"]) == ("Janet", "Ghent")
    assert web.get(f"/end-users/{janet}").status_code == 404
    undo = re.search(r'action="(/activity/\d+/revert)"', page)[1]
    assert web.post(undo).status_code == 302
    assert client_a.get(f"/api/EndUsers/{janet}").get_json()["firstname"] == "Janet"
    assert client_a.get(f"/api/EndUsers/{jane}").get_json()["firstname"] == "Jane"


def test_bad_merge_posts(web, pair, dashboard, tenant_b, api):
    jane, janet = pair
    web.get(f"/end-users/{jane}/merge/{janet}")
    wrong = web.post(f"/end-users/{jane}/merge/{janet}", data={"sourceEndUserID": jane})
    assert wrong.status_code == 400 and "not the person previewed" in wrong.get_data(as_text=True)
    bad = web.post(f"/end-users/{jane}/merge/{janet}", data={"sourceEndUserID": janet, "fieldChoices-city": "both"})
    assert bad.status_code == 400
    assert web.get(f"/end-users/{jane}/merge/{jane}").status_code == 400
    other = dashboard(tenant_b.admin)
    assert other.get(f"/end-users/{jane}/merge").status_code == 404
    assert other.get(f"/end-users/{jane}/merge/{janet}").status_code == 404


def test_possible_duplicates_page_merge_button_and_dismiss(web, pair):
    jane, janet = pair
    html = web.get("/end-users/duplicates").get_data(as_text=True)
    assert "Jane Doe" in html and "Janet Doe" in html and "Similar names at the same company Acme" in html
    assert f"/end-users/{jane}/merge/{janet}" in html
    response = web.post(f"/end-users/duplicates/{jane}/{janet}/dismiss", htmx=True)
    assert response.status_code == 200 and "not be suggested again" in response.headers["HX-Trigger"]
    assert "No possible duplicates." in web.get("/end-users/duplicates").get_data(as_text=True)


def test_the_export_button_carries_the_filters_on_screen(web, client_a):
    create(client_a, firstname="Ann", lastname="Zed", customerType="Customer")
    create(client_a, firstname="Bob", lastname="Young", customerType="Lead")
    page = web.get("/end-users/?customerType=Customer&sortBy=lastname").get_data(as_text=True)
    href = re.search(r'id="export-link" class="button" href="([^"]+)"', page)[1].replace("&amp;", "&")
    assert "customerType=Customer" in href
    partial = web.get("/end-users/?search=bob", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'id="export-link" class="button" hx-swap-oob="true"' in partial and "search=bob" in partial
    response = web.get(href)
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert [r["firstname"] for r in rows] == ["Ann"]


def test_a_history_row_opens_the_ticket_and_back_keeps_the_filters(web, client_a, tenant_a, in_app, dashboard, tenant_b):
    jane = create(client_a, firstname="Jane", uids=[{"uid": "jane@example.com"}])
    channel = add_channel(in_app, tenant_a, "Email", name="Support mail")
    ticket = add_ticket(in_app, tenant_a, channel, uid="jane@example.com", subject="Broken invoice", status="Escalated",
                        topics=("Billing",), messages=(("EndUser", 1, None), ("AI", 2, "Customer is angry"),
                                                       ("Representative", 3, None)))
    add_ticket(in_app, tenant_a, channel, uid="other@example.com", subject="Not hers")
    history = web.get(f"/end-users/{jane}/tickets?status=Escalated", headers={"HX-Request": "true"}).get_data(as_text=True)
    link = f"/end-users/{jane}/tickets/{ticket}?status=Escalated"
    assert f'href="{link}"' in history
    page = web.get(link).get_data(as_text=True)
    for text in ("Broken invoice", "Escalated", "Support mail", "Billing", "Customer is angry",
                 "EndUser says hello", "AI says hello", "Representative says hello", "2026-01-01 12:01 UTC"):
        assert text in page, text
    assert page.index("EndUser says hello") < page.index("AI says hello") < page.index("Representative says hello")
    assert f'href="/end-users/{jane}?status=Escalated#tickets-h"' in page
    other = add_ticket(in_app, tenant_a, channel, uid="other@example.com", subject="Someone else")
    assert web.get(f"/end-users/{jane}/tickets/{other}").status_code == 404  # not in her history
    assert dashboard(tenant_b.admin).get(link).status_code == 404


def test_the_preview_names_nameless_people_by_number(web, client_a):
    first = create(client_a, company="Acme", uids=[{"uid": "first@example.com"}])
    second = create(client_a, company="Acme Logistics", uids=[{"uid": "second@example.com"}])
    html = web.get(f"/end-users/{first}/merge/{second}").get_data(as_text=True)
    assert f'aria-label="Keep company of end user #{first}"' in html
    assert f'aria-label="Keep company of end user #{second}"' in html and "of None" not in html
