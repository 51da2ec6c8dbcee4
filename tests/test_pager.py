"""The pager of every dashboard list: First, Previous, page numbers, Next, Last and "Go to page",
each keeping every filter; a capped total without an exact Last; a page out of range explained."""
import html as html_lib
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from app import pagination
from app.end_users.models import EndUser
from app.pagination import page_window


def _seed(in_app, tenant, count, city="Gent"):
    with in_app() as session:
        session.add_all(EndUser(customer_id=tenant.id, firstname=f"User{n:02}", lastname=f"Person{n:02}",
                                city=city, customer_type="Customer") for n in range(count))
        session.commit()


def _pager(html: str) -> str:
    return html[html.index('<nav class="pager"'):]


def _link(html: str, text: str) -> dict:
    """The query of the pager link showing `text`, as a dict of single values."""
    found = re.search(r'<a href="([^"]+)"[^>]*>' + re.escape(text) + "</a>", _pager(html))
    assert found, f"no link {text!r} in the pager"
    return {k: v[0] for k, v in parse_qs(urlsplit(html_lib.unescape(found[1])).query).items()}


def _jump_fields(html: str) -> dict:
    form = re.search(r'<form class="pager-jump".*?</form>', _pager(html), re.DOTALL)[0]
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))


def _rows(html: str) -> int:
    return html.count('name="ids"')


@pytest.fixture
def web(dashboard, tenant_a):
    return dashboard(tenant_a.agent)


def test_page_numbers_first_last_and_the_jump_keep_every_filter(web, in_app, tenant_a):
    _seed(in_app, tenant_a, 45)
    html = web.get("/end-users/?search=gent&pageSize=10&pageNumber=3&sortBy=city").get_data(as_text=True)
    assert _rows(html) == 10
    pager = _pager(html)
    assert '<span class="pager-here" aria-current="page" aria-label="Page 3">3</span>' in pager
    assert "Page 3 of 5 · 45 in all" in pager
    kept = {"search": "gent", "pageSize": "10", "sortBy": "city", "sortOrder": "asc"}
    assert _link(html, "« First") == {**kept, "pageNumber": "1"}
    assert _link(html, "Last »") == {**kept, "pageNumber": "5"}
    assert _link(html, "‹ Previous") == {**kept, "pageNumber": "2"}
    assert {k: v for k, v in _link(html, "Next ›").items() if k != "cursor"} == {**kept, "pageNumber": "4"}
    assert "cursor" in _link(html, "Next ›")  # the keyset cursor still carries Next to deep pages
    for number in ("1", "2", "4", "5"):
        assert _link(html, number)["pageNumber"] == number
    assert _jump_fields(html) == kept  # every filter, and neither the page nor a cursor
    assert re.search(r'<input type="number" name="pageNumber" value="3" min="1" max="5"', pager)

    # the jump itself: page 5 of the same search, with the 5 last rows
    last = web.get("/end-users/?" + "&".join(f"{k}={v}" for k, v in kept.items()) + "&pageNumber=5").get_data(as_text=True)
    assert _rows(last) == 5 and "Page 5 of 5" in last
    assert '<span class="pager-off" aria-disabled="true">Last »</span>' in _pager(last)
    assert '<span class="pager-off" aria-disabled="true">Next ›</span>' in _pager(last)


def test_a_long_list_shows_a_window_of_page_numbers(web, in_app, tenant_a):
    _seed(in_app, tenant_a, 95)
    pager = _pager(web.get("/end-users/?pageSize=5&pageNumber=10").get_data(as_text=True))
    shown = re.findall(r'aria-label="Page (\d+)"', pager)
    assert shown == ["1", "8", "9", "10", "11", "12", "19"]
    assert pager.count('class="pager-gap"') == 2


def test_a_page_past_the_end_says_so_and_links_to_the_last_page(web, in_app, tenant_a):
    _seed(in_app, tenant_a, 12)
    response = web.get("/end-users/?search=gent&pageNumber=7")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and _rows(html) == 0
    assert "There is no page 7: this list has 2 pages." in html
    assert "No end users match" not in html
    assert _link(html, "Go to the last page") == {"search": "gent", "pageSize": "10", "sortBy": "lastname",
                                                  "sortOrder": "asc", "pageNumber": "2"}
    huge = web.get("/end-users/?pageNumber=99999999999999999999")
    assert huge.status_code == 200 and "There is no page 99,999,999,999,999,999,999" in huge.get_data(as_text=True)
    bad = web.get("/end-users/?pageNumber=0")
    assert bad.status_code == 400 and "pageNumber must be at least 1." in bad.get_data(as_text=True)


def test_a_capped_total_has_no_exact_last_page_and_says_why(web, in_app, tenant_a, monkeypatch):
    monkeypatch.setattr(pagination, "TOTAL_CAP", 20)
    _seed(in_app, tenant_a, 35)
    html = web.get("/end-users/?pageSize=10&search=gent").get_data(as_text=True)
    pager = _pager(html)
    assert "Page 1 of 2+ · 20+ in all" in pager
    assert '<span class="pager-off" aria-disabled="true" aria-describedby="results-uncounted">Last »</span>' in pager
    assert 'id="results-uncounted">More than 20 match, so the last page is not counted' in pager
    assert not re.search(r'type="number" name="pageNumber"[^>]* max=', pager)  # the jump may go past the count
    # deep pages beyond the count still work, by number and by the cursor of Next
    third = web.get("/end-users/?pageSize=10&search=gent&pageNumber=3").get_data(as_text=True)
    assert _rows(third) == 10 and "Page 3 of 2+" in third
    fourth_url = re.search(r'<a href="([^"]+)"[^>]*rel="next"', third)[1]
    fourth = web.get(html_lib.unescape(fourth_url)).get_data(as_text=True)
    assert _rows(fourth) == 5 and "pageNumber=5" not in _pager(fourth).split("pager-jump")[0]
    gone = web.get("/end-users/?pageSize=10&search=gent&pageNumber=9").get_data(as_text=True)
    assert "There is no page 9: this list ends before it." in gone


def test_activity_and_action_lists_have_the_same_pager(web, dashboard, api, in_app, tenant_a):
    admin_api = api(tenant_a.admin)
    for number in range(30):
        assert admin_api.post("/api/Topics", json={"name": f"Topic {number:02}"}).status_code == 201
    admin = dashboard(tenant_a.admin)
    activity = admin.get("/activity/?entityType=Topic").get_data(as_text=True)
    assert "Page 1 of 2 · 30 in all" in activity
    assert _link(activity, "Last »") == {"entityType": "Topic", "pageNumber": "2"}
    assert _jump_fields(activity) == {"entityType": "Topic"}

    with in_app() as session:
        from app.actions.models import Action
        session.add_all(Action(customer_id=tenant_a.id, name=f"Close {n:02}", action_type="Close", is_active=n % 2 == 0)
                        for n in range(60))
        session.commit()
    actions = admin.get("/actions/?active=active").get_data(as_text=True)
    assert "Page 1 of 2 · 30 in all" in actions
    assert _link(actions, "Last »") == {"active": "active", "page": "2"}
    assert _jump_fields(actions) == {"active": "active"}
    assert 'type="number" name="page"' in _pager(actions)
    assert "No actions match" not in admin.get("/actions/?active=active&page=5").get_data(as_text=True)


def test_page_window_edges():
    assert page_window(1, 1, False) == [1]
    assert page_window(1, 10, False) == [1, 2, 3, None, 10]
    assert page_window(10, 10, False) == [1, None, 8, 9, 10]
    assert page_window(4, 7, False) == [1, 2, 3, 4, 5, 6, 7]
    assert page_window(12, 3, False) == [1, 2, 3]  # past the end: the last pages
    assert page_window(3, 1000, True) == [1, 2, 3, 4, 5, None]  # capped: no last number
