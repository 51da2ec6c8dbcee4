"""End-user power tools in a real browser: merge from the preview and undo it, export the filtered
list, open a ticket from a filtered history and come back to it."""
import csv
import io
import re
from datetime import datetime, timedelta

from playwright.sync_api import expect

from app.channels.models import Channel
from app.end_users.models import EndUser, EndUserUID
from app.tickets.models import Ticket, TicketMessage


def _person(session, tenant, first, last, uids, **fields) -> EndUser:
    user = EndUser(customer_id=tenant.id, firstname=first, lastname=last, customer_type=fields.pop("customer_type", "Customer"),
                   **fields)
    for index, (uid_type, uid) in enumerate(uids):
        user.uids.append(EndUserUID(customer_id=tenant.id, uid_type=uid_type, uid=uid, is_primary=index == 0))
    session.add(user)
    return user


def test_merge_from_the_preview_keeps_the_chosen_value_then_undo_brings_both_back(page, live_server, login, tenant_a,
                                                                                 in_app):
    with in_app() as session:
        anna = _person(session, tenant_a, "Anna", "Berg", [("Email", "anna@berg.example.com")], company="Acme")
        _person(session, tenant_a, "Anne", "Berg", [("Email", "anne.b@mail.example.com"), ("Phone", "+32470111222")],
                company="Acme Logistics", city="Gent")
        session.commit()
        anna_id = anna.id
    login(page, tenant_a.agent)
    page.goto(f"{live_server}/end-users/{anna_id}")
    page.get_by_role("link", name="Merge…").click()
    page.get_by_label("Find the other person").press_sequentially("anne", delay=40)
    candidates = page.locator("#merge-candidates tbody tr")
    expect(candidates).to_have_count(1)
    expect(candidates.first).to_contain_text("Anne Berg")
    candidates.first.get_by_role("link", name="Compare…").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Merge Anne Berg into Anna Berg")
    company = page.locator('tr[data-field="company"]')
    expect(company).to_have_class(re.compile("conflict"))
    expect(company.get_by_label("Keep company of Anna Berg")).to_be_checked()  # the one kept wins by default
    company.get_by_label("Keep company of Anne Berg").check()
    expect(page.locator('tr[data-field="city"]').get_by_label("Keep city of Anne Berg")).to_be_checked()  # fills a gap
    page.get_by_role("button", name="Merge", exact=True).click()

    expect(page).to_have_url(f"{live_server}/end-users/{anna_id}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Anna Berg")
    profile = page.locator("dl.facts").first
    expect(profile).to_contain_text("Acme Logistics")
    expect(profile).to_contain_text("Gent")
    identifiers = page.locator("#identifiers .uid-list li")
    expect(identifiers).to_have_count(3)
    for uid in ("anna@berg.example.com", "anne.b@mail.example.com", "+32470111222"):
        expect(page.locator("#identifiers .uid-list")).to_contain_text(uid)
    expect(page.locator("#identifiers .badge-on")).to_have_count(1)  # one primary stays
    toast = page.locator(".toast-undo")
    expect(toast).to_contain_text("Anne Berg was merged into Anna Berg.")

    toast.get_by_role("button", name="Undo").click()
    expect(page.locator(".toast")).to_contain_text("Reverted")
    expect(identifiers).to_have_count(1)
    expect(page.locator("#identifiers .uid-list")).to_contain_text("anna@berg.example.com")
    expect(page.locator("dl.facts").first).not_to_contain_text("Acme Logistics")
    page.goto(f"{live_server}/end-users/?search=berg")
    rows = page.locator("#results tbody tr")
    expect(rows).to_have_count(2)
    rows.filter(has_text="Anne Berg").get_by_role("link", name="Anne Berg").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Anne Berg")
    expect(page.locator("#identifiers .uid-list li")).to_have_count(2)
    expect(page.locator("dl.facts").first).to_contain_text("Acme Logistics")


def _cells_on_screen(page) -> list[list[str]]:
    return [[cell.strip() for cell in row.locator("td").all_inner_texts()[1:]]
            for row in page.locator("#results tbody tr").all()]


def test_export_downloads_exactly_the_filtered_rows_on_screen(page, live_server, login, tenant_a, in_app):
    with in_app() as session:
        for index, (first, last, kind) in enumerate([
                ("Lena", "Maes", "Lead"), ("Luc", "Maes", "Customer"), ("Lotte", "Maesen", "Lead"),
                ("Marc", "Peeters", "Lead"), ("Lies", "Maes", "Partner"), ("Lars", "Maes", "Lead")]):
            _person(session, tenant_a, first, last, [("Email", f"{first.lower()}{index}@example.com")], customer_type=kind,
                    city="Leuven" if index % 2 else "=cmd|' /C calc'!A0")
        session.commit()
    login(page, tenant_a.agent)
    page.goto(f"{live_server}/end-users/")
    rows = page.locator("#results tbody tr")
    expect(rows).to_have_count(6)
    page.get_by_label("Search end users").press_sequentially("maes", delay=40)
    expect(rows).to_have_count(5)
    page.get_by_label("Type").select_option("Lead")
    expect(rows).to_have_count(3)
    expect(page).to_have_url(re.compile(r"customerType=Lead"))
    on_screen = _cells_on_screen(page)
    expect(page.locator("#export-link")).to_have_attribute("href", re.compile(r"search=maes.*customerType=Lead|customerType=Lead.*search=maes"))

    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    assert download.value.suggested_filename == "end-users.csv"
    exported = list(csv.DictReader(io.StringIO(download.value.path().read_text(encoding="utf-8-sig"))))
    assert [f"{r['firstname']} {r['lastname']}" for r in exported] == [cells[0] for cells in on_screen]
    assert [r["customerType"] for r in exported] == ["Lead"] * 3 == [cells[3] for cells in on_screen]
    assert [r["email"] for r in exported] == [cells[4].split()[-1] for cells in on_screen]
    assert {r["city"] for r in exported} == {"Leuven", "'=cmd|' /C calc'!A0"}  # a formula arrives as text


def _ticket_world(in_app, tenant) -> int:
    when = datetime(2026, 3, 2, 9, 0)
    with in_app() as session:
        jane = _person(session, tenant, "Jane", "Doe", [("Email", "jane@doe.example.com")])
        channel = Channel(customer_id=tenant.id, name="Support mailbox", channel_type="Email")
        session.add(channel)
        session.flush()
        for subject, status, messages in [
                ("Invoice 2026-114 is missing", "Closed", [("EndUser", "Where is my invoice?", None),
                                                           ("AI", "Here it is again.", "Sent the wrong invoice"),
                                                           ("Representative", "Corrected, sorry!", None)]),
                ("Password reset", "Open", [("EndUser", "I cannot log in", None)]),
                ("Invoice address change", "Open", [("EndUser", "New address please", None)])]:
            ticket = Ticket(customer_id=tenant.id, channel_id=channel.id, uid="jane@doe.example.com", subject=subject,
                            status=status, created_date=when,
                            closed_date=when + timedelta(hours=2) if status == "Closed" else None)
            for minutes, (sender, body, feedback) in enumerate(messages):
                ticket.messages.append(TicketMessage(customer_id=tenant.id, sender=sender, body=body,
                                                     created_date=when + timedelta(minutes=10 * minutes),
                                                     is_escalated=feedback is not None, ai_feedback_comment=feedback))
            ticket.last_message_date = when + timedelta(minutes=10 * (len(messages) - 1))
            session.add(ticket)
            when += timedelta(days=1)
        session.commit()
        return jane.id


def test_open_a_ticket_from_the_filtered_history_and_back(page, live_server, login, tenant_a, in_app):
    jane_id = _ticket_world(in_app, tenant_a)
    login(page, tenant_a.agent)
    page.goto(f"{live_server}/end-users/{jane_id}")
    history = page.locator("#ticket-results tbody tr")
    expect(history).to_have_count(3)
    page.get_by_label("Search tickets").press_sequentially("invoice", delay=40)
    expect(history).to_have_count(2)
    page.get_by_label("Status", exact=True).select_option("Closed")
    expect(history).to_have_count(1)
    expect(page).to_have_url(re.compile(r"status=Closed"))
    history.first.get_by_role("link", name="Invoice 2026-114 is missing").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Invoice 2026-114 is missing")
    facts = page.locator("dl.facts")
    expect(facts).to_contain_text("Closed")
    expect(facts).to_contain_text("Support mailbox")
    messages = page.locator("article.message")
    expect(messages).to_have_count(3)
    expect(messages.nth(0)).to_contain_text("Jane Doe")
    expect(messages.nth(0)).to_contain_text("Where is my invoice?")
    expect(messages.nth(1)).to_have_class(re.compile("from-ai"))
    expect(messages.nth(1)).to_contain_text("escalated")
    expect(messages.nth(2)).to_contain_text("Representative")
    expect(messages.nth(2)).to_contain_text("Corrected, sorry!")
    expect(page.get_by_role("region", name="Escalation feedback")).to_contain_text("Sent the wrong invoice")

    page.get_by_role("link", name="‹ Ticket history of Jane Doe").click()
    expect(page).to_have_url(re.compile(rf"/end-users/{jane_id}\?.*status=Closed"))
    expect(page.get_by_label("Status", exact=True)).to_have_value("Closed")
    expect(page.get_by_label("Search tickets")).to_have_value("invoice")
    expect(history).to_have_count(1)
    expect(history.first).to_contain_text("Invoice 2026-114 is missing")

    # the browser's own Back from the ticket returns to the same filtered history too
    history.first.get_by_role("link", name="Invoice 2026-114 is missing").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Invoice 2026-114 is missing")
    page.go_back()
    expect(page.get_by_label("Status", exact=True)).to_have_value("Closed")
    expect(history).to_have_count(1)
