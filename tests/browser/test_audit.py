"""History and Activity in a real browser: an edit shows up in the end user's History panel and on
the Activity page, filtered live by record type."""
import re

from playwright.sync_api import expect

from app.end_users.models import EndUser, EndUserUID


def _jane_doe(in_app, tenant) -> int:
    with in_app() as session:
        user = EndUser(customer_id=tenant.id, firstname="Jane", lastname="Doe", customer_type="Customer")
        user.uids.append(EndUserUID(customer_id=tenant.id, uid_type="Email", uid="jane@example.com", is_primary=True))
        session.add(user)
        session.commit()
        return user.id


def test_an_edit_shows_in_the_history_panel_and_in_activity(page, live_server, login, tenant_a, in_app):
    jane = _jane_doe(in_app, tenant_a)
    login(page, tenant_a.admin)

    page.goto(f"{live_server}/end-users/{jane}/edit")
    page.get_by_label("Last name").fill("Dee")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Jane Dee")
    expect(page).to_have_url(f"{live_server}/end-users/{jane}")

    history = page.locator("#history")
    expect(history.locator("ol.history li")).to_have_count(1)
    expect(history).to_contain_text("Update")
    expect(history.locator("dl.changes dt")).to_have_text(["lastname"])
    expect(history.locator("dl.changes dd")).to_contain_text(re.compile(r"Doe\s*→\s*changed to\s*Dee"))
    expect(history.get_by_role("link", name="See all in Activity")).to_have_attribute(
        "href", f"/activity/?entityType=EndUser&entityId={jane}")

    page.get_by_role("link", name="Activity", exact=True).click()
    rows = page.locator("#activity-results tbody tr")
    expect(rows).to_have_count(4)  # the tenant's creation (customer, two representatives) and the edit
    page.get_by_label("Record type").select_option(label="End user")
    expect(rows).to_have_count(1)
    expect(page).to_have_url(re.compile(r"/activity/\?.*entityType=EndUser"))
    row = rows.first
    expect(row).to_contain_text("End user")
    expect(row).to_contain_text(tenant_a.admin.email)
    expect(row.get_by_role("link", name="Jane Dee")).to_have_attribute("href", f"/end-users/{jane}")
    expect(row.locator("dl.changes")).to_contain_text("lastname")
    expect(page.get_by_role("link", name="Download CSV")).to_have_attribute(
        "href", "/activity/export.csv?entityType=EndUser")


def test_undo_a_deleted_end_user_from_the_toast(page, live_server, login, tenant_a, in_app):
    jane = _jane_doe(in_app, tenant_a)
    login(page, tenant_a.agent)

    page.goto(f"{live_server}/end-users/{jane}/delete")
    page.get_by_role("button", name=re.compile("Delete")).click()
    expect(page).to_have_url(re.compile(r"/end-users/"))
    toast = page.locator(".toast-undo")
    expect(toast).to_contain_text("Jane Doe was deleted")
    toast.get_by_role("button", name="Undo").click()
    expect(page.locator(".toast").first).to_contain_text("Jane Doe is back as it was")
    page.goto(f"{live_server}/end-users/{jane}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Jane Doe")
    expect(page.get_by_text("jane@example.com").first).to_be_visible()


def test_change_a_setting_then_revert_it_from_its_history(page, live_server, login, tenant_a):
    login(page, tenant_a.admin)
    page.goto(f"{live_server}/settings/connector")
    page.get_by_label("Base URL").fill("https://old.example.com/api")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".toast").first).to_contain_text("saved")
    page.get_by_label("Base URL").fill("https://new.example.com/api")
    with page.expect_response(lambda r: r.request.method == "POST" and "/settings/connector" in r.url):
        page.get_by_role("button", name="Save").click()  # the reload below must come after this save
    expect(page.locator(".toast").last).to_contain_text("saved")

    page.reload()
    latest = page.locator("#history ol.history li").first
    expect(latest).to_contain_text("apiBaseUrl")
    expect(latest).to_contain_text("https://new.example.com/api")
    page.once("dialog", lambda dialog: dialog.accept())
    latest.get_by_role("button", name="Revert").click()
    expect(page.locator(".toast").first).to_contain_text("is back as it was")
    expect(page.get_by_label("Base URL")).to_have_value("https://old.example.com/api")
    expect(page.locator("#history ol.history li").first).to_contain_text("Revert")
