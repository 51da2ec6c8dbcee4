"""The end-user screens through the test client: partials, form rows, conflicts, isolation."""
import re

import pytest

from app.end_users.models import EndUser, EndUserUID


def seed(in_app, tenant, first="Jane", last="Doe", uids=(("Email", "jane@example.com"),), ref=None) -> int:
    with in_app() as session:
        user = EndUser(customer_id=tenant.id, firstname=first, lastname=last, customer_type="Lead", customer_ref=ref)
        for index, (kind, value) in enumerate(uids):
            user.uids.append(EndUserUID(customer_id=tenant.id, uid_type=kind, uid=value, is_primary=index == 0))
        session.add(user)
        session.commit()
        return user.id


@pytest.fixture
def agent(dashboard, tenant_a):
    return dashboard(tenant_a.agent)


def test_list_page_and_htmx_partial(agent, tenant_a, in_app):
    seed(in_app, tenant_a)
    seed(in_app, tenant_a, "Max", "Power", (("Email", "max@example.org"),))
    page = agent.get("/end-users/?search=jane")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<html" in html and "Jane Doe" in html and "Max Power" not in html
    assert 'hx-trigger="input changed delay:300ms, search"' in html
    partial = agent.get("/end-users/?search=max&sortBy=lastname&sortOrder=desc", headers={"HX-Request": "true"})
    body = partial.get_data(as_text=True)
    assert "<html" not in body and "Max Power" in body and "Jane Doe" not in body
    assert 'id="sort-state" hx-swap-oob="true"' in body and 'value="desc"' in body
    restore = agent.get("/end-users/?search=max", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in restore.get_data(as_text=True)


def test_list_type_filter_and_bad_query(agent, tenant_a, in_app):
    seed(in_app, tenant_a)
    assert "Jane Doe" not in agent.get("/end-users/?customerType=Partner").get_data(as_text=True)
    assert agent.get("/end-users/?pageSize=500").status_code == 400


def test_create_with_row_error_keeps_everything_typed(agent):
    agent.get("/end-users/new")
    response = agent.post("/end-users/new", htmx=True, data={
        "firstname": "Jane", "customerType": "Customer",
        "uids-0-uidType": "Email", "uids-0-uid": "jane@example.com",
        "uids-1-uidType": "Phone", "uids-1-uid": "call me", "primary": "0"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert 'value="jane@example.com"' in html and 'value="call me"' in html and 'value="Jane"' in html
    row1 = html[html.index('id="uid-row-1"'):]
    assert "Not a valid phone number" in row1
    assert "Not a valid phone number" not in html[html.index('id="uid-row-0"'):html.index('id="uid-row-1"')]


def test_create_success_redirects_with_hx_redirect(agent, in_app):
    agent.get("/end-users/new")
    response = agent.post("/end-users/new", htmx=True, data={
        "firstname": "Jane", "customerType": "Partner",
        "uids-0-uidType": "Email", "uids-0-uid": "jane@example.com",
        "uids-1-uidType": "Phone", "uids-1-uid": "0470 12 34 56", "primary": "1"})
    assert response.status_code == 200
    target = response.headers["HX-Redirect"]
    with in_app() as session:
        user = session.query(EndUser).one()
        assert target == f"/end-users/{user.id}" and user.customer_type == "Partner"
        assert {(u.uid, u.is_primary) for u in user.uids} == {("jane@example.com", False), ("+32470123456", True)}


def test_conflict_on_save_links_to_the_owner(agent, tenant_a, in_app):
    jane = seed(in_app, tenant_a)
    agent.get("/end-users/new")
    html = agent.post("/end-users/new", htmx=True, data={
        "firstname": "John", "uids-0-uidType": "Email", "uids-0-uid": "JANE@example.com", "primary": "0"}).get_data(as_text=True)
    assert "already belongs to" in html and f'href="/end-users/{jane}"' in html and "Jane Doe" in html
    with in_app() as session:
        assert session.query(EndUser).count() == 1


def test_add_and_remove_rows_keep_what_was_typed(agent):
    agent.get("/end-users/new")
    added = agent.post("/end-users/form/rows?op=add", htmx=True, data={
        "firstname": "Jane", "uids-0-uidType": "Email", "uids-0-uid": "jane@example.com", "primary": "0"}).get_data(as_text=True)
    assert 'value="Jane"' in added and 'value="jane@example.com"' in added and 'id="uid-row-1"' in added
    assert "autofocus" in added[added.index('id="uid-row-1"'):]
    removed = agent.post("/end-users/form/rows?op=remove&index=0", htmx=True, data={
        "firstname": "Jane", "uids-0-uid": "a@example.com", "uids-1-uid": "b@example.com", "uids-1-uidType": "Email",
        "primary": "1"}).get_data(as_text=True)
    assert "a@example.com" not in removed and 'name="uids-0-uid"' in removed and 'value="b@example.com"' in removed
    assert re.search(r'name="primary" value="0"\s+checked', removed)


def test_edit_removes_rows_left_out_and_keeps_ids(agent, tenant_a, in_app):
    jane = seed(in_app, tenant_a, uids=(("Email", "jane@example.com"), ("Phone", "+32470123456")))
    html = agent.get(f"/end-users/{jane}/edit").get_data(as_text=True)
    uid_id = re.search(r'name="uids-0-endUserUIDID" value="(\d+)"', html)[1]
    response = agent.post(f"/end-users/{jane}/edit", htmx=True, data={
        "firstname": "Janet", "lastname": "Doe", "customerType": "Lead",
        "uids-0-endUserUIDID": uid_id, "uids-0-uidType": "Email", "uids-0-uid": "janet@example.com", "primary": "0"})
    assert response.headers["HX-Redirect"] == f"/end-users/{jane}"
    with in_app() as session:
        user = session.get(EndUser, jane)
        assert user.firstname == "Janet" and [(u.id, u.uid) for u in user.uids] == [(int(uid_id), "janet@example.com")]


def test_detail_insights_tickets_partial_and_assign(agent, tenant_a, in_app):
    from tests.test_end_users_api import add_channel, add_ticket

    jane = seed(in_app, tenant_a)
    channel = add_channel(in_app, tenant_a, "Chat", "Web chat")
    add_ticket(in_app, tenant_a, channel, uid="jane@example.com", subject="Broken login", status="Escalated",
               messages=[("EndUser", 1, None), ("AI", 2, "AI could not verify the account")], topics=["Access"])
    add_ticket(in_app, tenant_a, channel, uid="jane@example.com", subject="Thanks", status="Closed", is_closed=True)
    html = agent.get(f"/end-users/{jane}").get_data(as_text=True)
    for text in ("Insights", "Web chat", "AI could not verify the account", "Access · 1", "Broken login", "Thanks"):
        assert text in html
    partial = agent.get(f"/end-users/{jane}/tickets?status=Closed", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in partial and "Thanks" in partial and "Broken login" not in partial
    assert "<html" in agent.get(f"/end-users/{jane}/tickets?status=Closed").get_data(as_text=True)

    added = agent.post(f"/end-users/{jane}/identifiers", htmx=True, data={
        "endUserID": jane, "uidType": "phone", "uid": "0470 11 22 33"})
    assert added.status_code == 200 and "+32470112233" in added.get_data(as_text=True)
    assert "toast" in added.headers["HX-Trigger"]
    bad = agent.post(f"/end-users/{jane}/identifiers", htmx=True, data={"endUserID": jane, "uidType": "Email", "uid": "nope"})
    assert "Not a valid e-mail address" in bad.get_data(as_text=True)


def test_assign_conflict_names_the_owner(agent, tenant_a, in_app):
    jane = seed(in_app, tenant_a)
    john = seed(in_app, tenant_a, "John", "Smith", (("Email", "john@example.com"),))
    html = agent.post(f"/end-users/{john}/identifiers", htmx=True, data={
        "endUserID": john, "uidType": "Email", "uid": "jane@example.com"}).get_data(as_text=True)
    assert "already belongs to" in html and f'href="/end-users/{jane}"' in html


def test_lookup_one_many_none(agent, tenant_a, in_app):
    jane = seed(in_app, tenant_a, uids=(("Phone", "+32470123456"),), ref="ERP-1")
    seed(in_app, tenant_a, "Other", "Person", (("CRM", "ERP-1"),))
    one = agent.get("/end-users/lookup?q=0470 12 34 56")
    assert one.status_code == 302 and one.headers["Location"].endswith(f"/end-users/{jane}")
    many = agent.get("/end-users/lookup?q=ERP-1").get_data(as_text=True)
    assert "2 end users match" in many and "Other Person" in many
    assert "Nobody has" in agent.get("/end-users/lookup?q=ghost@example.com").get_data(as_text=True)


def test_delete_confirms_with_the_identifier_count(agent, tenant_a, in_app):
    jane = seed(in_app, tenant_a, uids=(("Email", "jane@example.com"), ("Phone", "+32470123456")))
    assert "Their 2 identifiers will be deleted" in agent.get(f"/end-users/{jane}/delete").get_data(as_text=True)
    response = agent.post(f"/end-users/{jane}/delete")
    assert response.status_code == 302
    with in_app() as session:
        assert session.query(EndUser).count() == 0 and session.query(EndUserUID).count() == 0


@pytest.mark.parametrize("method, path", [
    ("GET", "/end-users/{id}"), ("GET", "/end-users/{id}/edit"), ("POST", "/end-users/{id}/edit"),
    ("GET", "/end-users/{id}/tickets"), ("POST", "/end-users/{id}/identifiers"),
    ("GET", "/end-users/{id}/delete"), ("POST", "/end-users/{id}/delete"), ("POST", "/end-users/form/rows?end_user_id={id}&op=add"),
])
def test_another_tenants_end_user_is_404_on_the_dashboard(dashboard, tenant_a, tenant_b, in_app, method, path):
    jane = seed(in_app, tenant_a)
    other = dashboard(tenant_b.admin)
    url = path.format(id=jane)
    data = {"firstname": "Hacked", "uids-0-uid": "evil@example.com", "uid": "evil@example.com", "endUserID": jane}
    response = other.get(url) if method == "GET" else other.post(url, data=data, htmx=True)
    assert response.status_code == 404
    with in_app() as session:
        user = session.get(EndUser, jane)
        assert user.firstname == "Jane" and [u.uid for u in user.uids] == ["jane@example.com"]
    assert "Jane" not in other.get("/end-users/?search=jane").get_data(as_text=True)
    assert "Nobody has" in other.get("/end-users/lookup?q=jane@example.com").get_data(as_text=True)


def test_signed_out_visitors_go_to_login(client):
    response = client.get("/end-users/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_two_tabs_editing_one_end_user_never_overwrite_each_other_in_silence(agent, tenant_a, in_app):
    import html as html_lib

    jane = seed(in_app, tenant_a)
    page = agent.get(f"/end-users/{jane}/edit").get_data(as_text=True)
    version = html_lib.unescape(re.search(r'name="version" value="([^"]+)"', page)[1])
    uid_id = re.search(r'name="uids-0-endUserUIDID" value="(\d+)"', page)[1]

    def save(lastname, seen):
        return agent.post(f"/end-users/{jane}/edit", htmx=True, data={
            "firstname": "Jane", "lastname": lastname, "customerType": "Lead", "version": seen,
            "uids-0-endUserUIDID": uid_id, "uids-0-uidType": "Email", "uids-0-uid": "jane@example.com", "primary": "0"})

    assert save("First tab", version).headers.get("HX-Redirect") == f"/end-users/{jane}"
    stale = save("Second tab", version)
    body = stale.get_data(as_text=True)
    assert "HX-Redirect" not in stale.headers and "Someone else changed this end user meanwhile" in body
    assert 'value="Second tab"' in body  # what the second tab typed is still there
    with in_app() as session:
        assert session.get(EndUser, jane).lastname == "First tab"
    fresh = html_lib.unescape(re.search(r'name="version" value="([^"]+)"', body)[1])
    assert fresh != version and save("Second tab", fresh).headers.get("HX-Redirect") == f"/end-users/{jane}"
    with in_app() as session:
        assert session.get(EndUser, jane).lastname == "Second tab"
