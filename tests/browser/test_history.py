"""Filters live in the URL: after Back, Forward and reload the controls show what the list shows.

htmx restores a page from its history cache as it was serialised, where a typed search or a chosen
option is not part of the markup; app.js sets the filter forms from the address bar again.
"""
import re
from datetime import datetime

from playwright.sync_api import expect

from app.channels.models import Channel
from app.end_users.models import EndUser, EndUserUID
from app.tickets.models import Ticket
from tests.browser.focus import requests_on_leaving


def _seed_end_users(in_app, tenant):
    people = [("Anna", "Claes", "Customer"), ("Bert", "Claessens", "Partner"), ("Carl", "Claes", "Partner"),
              ("Dirk", "Peeters", "Partner"), ("Eva", "Maes", "Customer"), ("Fien", "Claes", "Lead")]
    with in_app() as session:
        for index, (first, last, kind) in enumerate(people):
            user = EndUser(customer_id=tenant.id, firstname=first, lastname=last, customer_type=kind)
            user.uids.append(EndUserUID(customer_id=tenant.id, uid_type="Email", uid=f"{first.lower()}{index}@example.com",
                                        is_primary=True))
            session.add(user)
        session.commit()


ALL = ["Anna Claes", "Carl Claes", "Fien Claes", "Bert Claessens", "Eva Maes", "Dirk Peeters"]
CLAES = ["Anna Claes", "Carl Claes", "Fien Claes", "Bert Claessens"]
CLAES_PARTNERS = ["Carl Claes", "Bert Claessens"]


def _expect_names(page, names):
    expect(page.locator("#results tbody tr td:nth-child(2)")).to_have_text(names)  # sorted by last name, then as added


def test_back_forward_and_reload_keep_the_end_user_filters_and_the_list_in_agreement(page, live_server, login, tenant_a, in_app):
    _seed_end_users(in_app, tenant_a)
    login(page, tenant_a.agent)
    page.goto(f"{live_server}/end-users/")
    search, kind, per_page = (page.get_by_label("Search end users"), page.get_by_label("Type", exact=True),
                              page.get_by_label("Rows per page"))
    _expect_names(page, ALL)

    search.press_sequentially("claes", delay=40)
    expect(page).to_have_url(re.compile(r"search=claes"))
    _expect_names(page, CLAES)
    kind.select_option("Partner")
    expect(page).to_have_url(re.compile(r"customerType=Partner"))
    _expect_names(page, CLAES_PARTNERS)

    page.go_back()  # the case: the box said "" and the type All over the "claes" results
    expect(page).not_to_have_url(re.compile(r"customerType=Partner"))
    _expect_names(page, CLAES)
    expect(search).to_have_value("claes")
    expect(kind).to_have_value("")

    page.go_forward()
    expect(page).to_have_url(re.compile(r"customerType=Partner"))
    _expect_names(page, CLAES_PARTNERS)
    expect(search).to_have_value("claes")
    expect(kind).to_have_value("Partner")

    page.go_back()
    per_page.select_option("25")  # per page keeps the search (it dropped it after Back)
    expect(page).to_have_url(re.compile(r"pageSize=25"))
    expect(page).to_have_url(re.compile(r"search=claes"))
    _expect_names(page, CLAES)
    expect(search).to_have_value("claes")

    page.reload()
    _expect_names(page, CLAES)
    expect(search).to_have_value("claes")
    expect(kind).to_have_value("")
    expect(per_page).to_have_value("25")

    # all the way back to the page without filters: every control at its default again
    page.go_back()
    page.go_back()
    expect(page).to_have_url(re.compile(r"/end-users/$"))
    _expect_names(page, ALL)
    expect(search).to_have_value("")
    expect(per_page).to_have_value("10")


def test_sort_then_back_restores_the_sort_the_list_shows(page, live_server, login, tenant_a, in_app):
    _seed_end_users(in_app, tenant_a)
    login(page, tenant_a.agent)
    page.goto(f"{live_server}/end-users/?search=claes")
    page.locator("#results thead").get_by_role("link", name="Name").click()
    expect(page).to_have_url(re.compile(r"sortOrder=desc"))
    page.go_back()
    expect(page.locator("#results thead th[aria-sort]")).to_have_attribute("aria-sort", "ascending")
    page.get_by_label("Type", exact=True).select_option("Partner")  # the next request keeps the shown sort
    expect(page).to_have_url(re.compile(r"sortOrder=asc"))
    expect(page).to_have_url(re.compile(r"search=claes"))
    expect(page.locator("#results tbody tr td:nth-child(2)")).to_have_text(CLAES_PARTNERS)


def _seed_tickets(in_app, tenant):
    with in_app() as session:
        channel = Channel(customer_id=tenant.id, name="Mail", channel_type="Email")
        session.add(channel)
        session.flush()
        user = EndUser(customer_id=tenant.id, firstname="Jane", lastname="Doe", customer_type="Customer")
        user.uids.append(EndUserUID(customer_id=tenant.id, uid_type="Email", uid="jane@example.com", is_primary=True))
        session.add(user)
        for day, (subject, status) in enumerate([("Refund please", "Open"), ("Refund again", "Closed"),
                                                 ("Login broken", "Open"), ("Invoice copy", "Pending")], start=1):
            session.add(Ticket(customer_id=tenant.id, channel_id=channel.id, uid="jane@example.com", subject=subject,
                               status=status, is_closed=status == "Closed", created_date=datetime(2026, 3, day, 9),
                               last_message_date=datetime(2026, 3, day, 10)))
        session.commit()
        return user.id


def test_ticket_filters_follow_back_forward_and_reload(page, live_server, login, tenant_a, in_app):
    jane = _seed_tickets(in_app, tenant_a)
    login(page, tenant_a.agent)
    page.goto(f"{live_server}/end-users/{jane}")
    subjects = page.locator("#ticket-results tbody tr td:first-child a")
    search, status = page.get_by_label("Search tickets"), page.get_by_label("Status", exact=True)
    expect(subjects).to_have_count(4)

    search.press_sequentially("refund", delay=40)
    expect(page).to_have_url(re.compile(r"search=refund"))
    expect(subjects).to_have_text(["Refund again", "Refund please"])
    status.select_option("Open")
    expect(page).to_have_url(re.compile(r"status=Open"))
    expect(subjects).to_have_text(["Refund please"])

    page.go_back()
    expect(subjects).to_have_text(["Refund again", "Refund please"])
    expect(search).to_have_value("refund")
    expect(status).to_have_value("")

    page.go_forward()
    expect(subjects).to_have_text(["Refund please"])
    expect(search).to_have_value("refund")
    expect(status).to_have_value("Open")

    page.reload()
    expect(subjects).to_have_text(["Refund please"])
    expect(search).to_have_value("refund")
    expect(status).to_have_value("Open")
    status.select_option("Closed")  # the search stays, and the list is swapped inside its box, not nested in it
    expect(page).to_have_url(re.compile(r"search=refund.*status=Closed|status=Closed.*search=refund"))
    expect(subjects).to_have_text(["Refund again"])
    expect(page.locator("#ticket-results")).to_have_count(1)


def test_leaving_the_ticket_search_asks_nothing_more_and_a_ticket_opens_at_the_first_click(
        page, live_server, login, tenant_a, in_app):
    """The box asks as it is typed in. A second ask as it loses focus (the form's change) would answer
    while a ticket link is being pressed, and a list swapped between press and release loses the click."""
    jane = _seed_tickets(in_app, tenant_a)
    login(page, tenant_a.agent)
    page.goto(f"{live_server}/end-users/{jane}")
    search = page.get_by_label("Search tickets")
    subjects = page.locator("#ticket-results tbody tr td:first-child a")
    search.press_sequentially("refund", delay=40)
    expect(subjects).to_have_text(["Refund again", "Refund please"])
    page.wait_for_timeout(500)  # past the typing pause
    assert requests_on_leaving(page, search, lambda request: request.headers.get("hx-request")) == []
    subjects.filter(has_text="Refund please").click()
    expect(page.get_by_role("heading", name="Refund please")).to_be_visible()


def test_catalogue_filters_follow_back_forward_and_reload(page, live_server, login, tenant_a):
    login(page, tenant_a.admin)
    page.goto(f"{live_server}/settings/catalogue")
    rows = page.locator("#catalogue-rows tbody tr")
    scope, status, allowed = (page.get_by_label("Scope"), page.get_by_label("Status"),
                              page.get_by_label(re.compile("Only my plan")))
    expect(rows.first).to_be_visible()
    everything = rows.count()

    status.select_option("all")
    expect(page).to_have_url(re.compile(r"status=all"))
    allowed.check()
    expect(page).to_have_url(re.compile(r"allowed=1"))
    expect(page).to_have_url(re.compile(r"status=all"))

    page.go_back()
    expect(page).not_to_have_url(re.compile(r"allowed=1"))
    expect(status).to_have_value("all")
    expect(allowed).not_to_be_checked()

    page.go_back()
    expect(status).to_have_value("active")
    expect(rows).to_have_count(everything)

    page.go_forward()
    page.go_forward()
    expect(page).to_have_url(re.compile(r"allowed=1"))
    expect(status).to_have_value("all")
    expect(allowed).to_be_checked()
    page.reload()
    expect(status).to_have_value("all")
    expect(allowed).to_be_checked()
    expect(scope).to_have_value("")


def test_pager_first_last_and_go_to_page_keep_the_filters(page, live_server, login, tenant_a, in_app):
    with in_app() as session:
        session.add_all(EndUser(customer_id=tenant_a.id, firstname=f"Claes{n:02}", lastname=f"Claes{n:02}",
                                customer_type="Partner" if n % 2 else "Customer") for n in range(60))
        session.add_all(EndUser(customer_id=tenant_a.id, lastname=f"Zimmer{n}", customer_type="Partner") for n in range(3))
        session.commit()
    login(page, tenant_a.agent)
    page.goto(f"{live_server}/end-users/")
    pager = page.locator("#results nav.pager")
    expect(pager).to_contain_text("63 in all")
    page.get_by_label("Search end users").press_sequentially("claes", delay=40)
    # The live search answered (the Zimmers are gone): no debounced request is left to come after a click.
    expect(pager).to_contain_text("60 in all")
    page.get_by_label("Type", exact=True).select_option("Partner")  # 30 partners: 3 pages of 10
    expect(pager).to_contain_text("Page 1 of 3 · 30 in all")

    pager.get_by_role("link", name="Last »").click()
    expect(pager.locator("[aria-current=page]")).to_have_text("3")
    expect(page).to_have_url(re.compile(r"pageNumber=3"))
    expect(page.locator("#results tbody tr").first).to_contain_text("Claes41")
    expect(page.locator("#results tbody tr")).to_have_count(10)

    pager.get_by_role("link", name="« First").click()
    expect(pager.locator("[aria-current=page]")).to_have_text("1")
    expect(page.locator("#results tbody tr").first).to_contain_text("Claes01")

    jump = pager.get_by_label("Page", exact=True)
    jump.fill("2")
    pager.get_by_role("button", name="Go").click()
    expect(pager.locator("[aria-current=page]")).to_have_text("2")
    expect(page).to_have_url(re.compile(r"pageNumber=2"))
    expect(page).to_have_url(re.compile(r"search=claes"))
    expect(page).to_have_url(re.compile(r"customerType=Partner"))
    expect(page.locator("#results tbody tr").first).to_contain_text("Claes21")
    expect(page.get_by_label("Search end users")).to_have_value("claes")

    page.go_back()  # to page 1; the filters stay with it
    expect(pager.locator("[aria-current=page]")).to_have_text("1")
    expect(page.get_by_label("Type", exact=True)).to_have_value("Partner")
