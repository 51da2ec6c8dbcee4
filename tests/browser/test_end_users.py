"""End users in a real browser: live search, the identifier rows, and lookup by phone number."""
import re

from playwright.sync_api import expect

from app.end_users.models import EndUser, EndUserUID


def _seed(in_app, tenant, names):
    with in_app() as session:
        for index, (first, last) in enumerate(names):
            user = EndUser(customer_id=tenant.id, firstname=first, lastname=last, customer_type="Customer")
            user.uids.append(EndUserUID(customer_id=tenant.id, uid_type="Email", uid=f"{first.lower()}{index}@example.com", is_primary=True))
            session.add(user)
        session.commit()


def test_search_create_with_two_identifiers_fix_an_error_and_find_by_phone(page, live_server, login, tenant_a, in_app):
    _seed(in_app, tenant_a, [("Amelia", "Peeters"), ("Bruno", "Maes"), ("Amir", "Janssens")])
    login(page, tenant_a.agent)
    page.goto(f"{live_server}/end-users/")
    rows = page.locator("#results tbody tr")
    expect(rows).to_have_count(3)

    # live search as the person types: no submit, the rows and the URL follow
    page.get_by_label("Search end users").press_sequentially("ja", delay=60)
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Amir Janssens")
    page.get_by_label("Search end users").fill("")
    expect(rows).to_have_count(3)
    page.get_by_label("Search end users").press_sequentially("pee", delay=60)
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Amelia Peeters")
    expect(page).to_have_url(re.compile(r"search=pee"))

    # create an end user with two identifiers; the second one is wrong
    page.get_by_role("link", name="New end user").click()
    page.get_by_label("First name").fill("Jane")
    page.get_by_label("Last name").fill("Doe")
    page.get_by_label("Identifier 1", exact=True).fill("jane@example.com")
    page.get_by_role("button", name="+ Add identifier").click()
    expect(page.get_by_label("Identifier 2", exact=True)).to_be_focused()
    expect(page.get_by_label("Identifier 1", exact=True)).to_have_value("jane@example.com")
    page.get_by_label("Type of identifier 2").fill("Phone")
    page.get_by_label("Identifier 2", exact=True).fill("call me")
    page.get_by_role("button", name="Save").click()

    second_row = page.locator("#uid-row-1")
    expect(second_row.locator("ul.errors")).to_contain_text("Not a valid phone number")
    expect(page.locator("#uid-row-0 ul.errors li")).to_have_count(0)
    expect(page.get_by_label("Identifier 1", exact=True)).to_have_value("jane@example.com")
    expect(page.get_by_label("First name")).to_have_value("Jane")
    expect(page.get_by_label("Identifier 2", exact=True)).to_have_value("call me")

    page.get_by_label("Identifier 2", exact=True).fill("+32 470 12 34 56")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Jane Doe")
    identifiers = page.locator("#identifiers")
    expect(identifiers).to_contain_text("jane@example.com")
    expect(identifiers).to_contain_text("+32470123456")

    # find her by phone number written another way
    page.get_by_role("link", name="End users").first.click()
    page.get_by_label("Look up by e-mail, phone or customer reference").fill("0470/12.34.56")
    page.get_by_role("button", name="Look up").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Jane Doe")
    expect(page).to_have_url(re.compile(r"/end-users/\d+$"))


def test_identifier_conflict_links_to_the_owner_and_delete_confirms(page, live_server, login, tenant_a, in_app):
    _seed(in_app, tenant_a, [("Amelia", "Peeters"), ("Bruno", "Maes")])
    login(page, tenant_a.admin)
    page.goto(f"{live_server}/end-users/?search=bruno")
    page.get_by_role("link", name="Bruno Maes").click()
    page.get_by_label("Assign another identifier").fill("AMELIA0@example.com")
    page.get_by_role("button", name="Assign").click()
    conflict = page.locator("#identifiers li.conflict")
    expect(conflict).to_contain_text("already belongs to")
    conflict.get_by_role("link", name="Amelia Peeters").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Amelia Peeters")

    page.get_by_role("link", name="Delete…").click()
    expect(page.locator(".confirm")).to_contain_text("Their 1 identifier will be deleted")
    page.get_by_role("button", name=re.compile("Delete Amelia Peeters and 1 identifier")).click()
    expect(page.locator("#toasts")).to_contain_text("Amelia Peeters was deleted with 1 identifier.")
    expect(page.locator("#results tbody tr")).to_have_count(1)


def test_a_late_answer_to_an_older_filter_never_replaces_the_newer_list(page, live_server, login, tenant_a, in_app):
    """Choose Partner, then Customer before Partner's answer came: the list must end up showing customers (the
    older request is dropped), not whichever answer arrived last."""
    with in_app() as session:
        session.add_all([EndUser(customer_id=tenant_a.id, lastname="Partner Pia", customer_type="Partner"),
                         EndUser(customer_id=tenant_a.id, lastname="Customer Cas", customer_type="Customer")])
        session.commit()
    held = []

    def hold_partner_answers(route):
        if "customerType=Partner" in route.request.url and route.request.headers.get("hx-request"):
            held.append(route)  # answered below, after the newer request
        else:
            route.continue_()

    login(page, tenant_a.agent)
    page.goto(f"{live_server}/end-users/")
    page.route("**/end-users/?*", hold_partner_answers)
    kind = page.get_by_label("Type", exact=True)
    kind.select_option("Partner")
    for _ in range(200):  # route handlers run while Playwright waits
        if held:
            break
        page.wait_for_timeout(25)
    assert len(held) == 1
    kind.select_option("Customer")
    rows = page.locator("#results tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Customer Cas")
    for route in held:
        try:
            route.continue_()
        except Exception:  # the page dropped the request already
            pass
    page.wait_for_timeout(500)  # a late answer that was let through would be on screen by now
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Customer Cas")
    expect(page).to_have_url(re.compile(r"customerType=Customer"))
