"""axe-core over every dashboard page and its main states, in real Chromium: no serious or
critical violation.

The pages come from the URL map (every GET page of a dashboard blueprint), filled from the demo
tenant, so a new page is checked the day it is added. axe-core is vendored from npm into
tests/browser/vendor/ (scripts/vendor.sh) and injected here only; the app never ships it.
"""
import json
from importlib import import_module
from pathlib import Path

import pytest
from flask import url_for
from playwright.sync_api import expect
from sqlalchemy import select

from app import DASHBOARD_BLUEPRINTS
from app.actions.models import Action
from app.customers.forms import GROUPS
from app.demo import DEMO_ADMIN, DEMO_PASSWORD
from app.end_users.models import EndUser
from app.extensions import db

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text()
# Rules tagged experimental run too: the probe found label-content-name-mismatch there.
AXE_RUN = """async () => {
  const result = await axe.run(document, {rules: {'label-content-name-mismatch': {enabled: true}}});
  return result.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' :: ' + n.failureSummary)}));
}"""
# Pages that are not a screen of their own: downloads, partials, redirects, sign-out.
NOT_PAGES = {"audit.export", "end_user_export.export", "pipeline.search_end_users", "audit.history", "actions.panel", "auth.logout", "auth.login", "customers.fields",
             "sso.offer", "sso.start", "sso.callback"}


def _page_urls(app, demo_tenant) -> list[str]:
    blueprints = {import_module(path).bp.name for path in DASHBOARD_BLUEPRINTS}
    with app.app_context(), app.test_request_context():
        person = db.session.scalars(select(EndUser.id).where(EndUser.customer_id == demo_tenant).limit(1)).first()
        action = db.session.scalars(select(Action.id).where(Action.customer_id == demo_tenant).limit(1)).first()
        ids = {"end_user_id": [person], "action_id": [action], "group": list(GROUPS)}
        urls = []
        for rule in app.url_map.iter_rules():
            blueprint = rule.endpoint.partition(".")[0]
            if "GET" not in rule.methods or rule.endpoint in NOT_PAGES or rule.endpoint == "static":
                continue
            if blueprint not in blueprints:
                continue
            if set(rule.arguments) - ids.keys():
                continue
            for value in ids[next(iter(rule.arguments))] if rule.arguments else [None]:
                urls.append(url_for(rule.endpoint, **{name: value for name in rule.arguments}))
    return sorted(set(urls))


def _violations(page) -> list[dict]:
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE + "\n;true")  # through the DevTools protocol: the page's CSP stays as it is
    return page.evaluate(AXE_RUN)


def _report(where: str, found: list[dict]) -> str:
    return f"{where}:\n" + json.dumps(found, indent=1)


@pytest.fixture
def demo_login(page, live_server, demo_tenant):
    page.goto(f"{live_server}/login")
    page.get_by_label("E-mail").fill(DEMO_ADMIN)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server}/")
    return demo_tenant


def test_every_dashboard_page_has_no_serious_violation(app, page, live_server, demo_login):
    urls = _page_urls(app, demo_login)
    assert len(urls) >= 12 and "/end-users/" in urls and "/actions/order" in urls
    problems = []
    for url in urls:
        page.goto(f"{live_server}{url}")
        page.wait_for_load_state("networkidle")  # the History panels and other htmx loads are in
        found = _violations(page)
        if found:
            problems.append(_report(url, found))
    assert not problems, "\n\n".join(problems)


def test_main_states_have_no_serious_violation(page, live_server, demo_login):
    problems = []

    def check(where: str):
        page.wait_for_load_state("networkidle")
        found = _violations(page)
        if found:
            problems.append(_report(where, found))

    page.goto(f"{live_server}/end-users/")
    page.get_by_role("searchbox").first.fill("a")
    expect(page.locator("tbody tr").first).to_be_visible()
    check("end users: live search results")

    page.goto(f"{live_server}/settings/connector")
    page.locator("[name=apiBaseUrl]").fill("not a url")
    page.locator("main").get_by_role("button", name="Save").first.click()
    expect(page.locator("ul.errors li").first).to_be_visible()
    check("settings: a save with a field error")

    page.goto(f"{live_server}/actions/order")
    details = page.locator("details.list-history").first
    details.locator("summary").click()
    expect(details.locator(".history, .empty")).to_be_visible()
    check("execution order: a list's History open")

    page.goto(f"{live_server}/end-users/new")
    page.locator("main").get_by_role("button", name="Save").first.click()
    page.wait_for_load_state("networkidle")
    check("new end user: saved empty")
    assert not problems, "\n\n".join(problems)


def test_the_sign_in_page_has_no_serious_violation(page, live_server):
    page.goto(f"{live_server}/login")
    assert not _violations(page), _report("/login", _violations(page))
    page.get_by_label("E-mail").fill("nobody@example.com")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("networkidle")
    assert not _violations(page), _report("/login after a wrong password", _violations(page))
