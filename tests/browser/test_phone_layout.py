"""Every dashboard page at 390 px (a phone) without sideways scrolling, and screenshots at 390 and
1280 px into test-artifacts/phone-layout/. The pages come from app.url_map (tests/dashboard_pages.py)
over the demo tenant, so a new page is checked without being listed here."""
from pathlib import Path

import pytest
from playwright.sync_api import expect

from app.demo import DEMO_ADMIN, DEMO_PASSWORD
from tests.conftest import Rep
from tests.dashboard_pages import dashboard_pages

SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "phone-layout"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}

# The widest elements, to say what spills when a page scrolls sideways.
SPILLERS = """() => {
  const width = document.documentElement.clientWidth;
  const clipped = el => { for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
    if (['auto', 'scroll', 'hidden'].includes(getComputedStyle(p).overflowX)) return true; } return false; };
  return [...document.querySelectorAll('body *')]
    .filter(el => el.getClientRects().length && el.getBoundingClientRect().right > width + 1 && !clipped(el))
    .slice(0, 6).map(el => el.tagName.toLowerCase() + (el.className ? '.' + String(el.className).split(' ').join('.') : '')
                     + ' right=' + Math.round(el.getBoundingClientRect().right));
}"""


@pytest.fixture
def demo_admin(demo_tenant) -> Rep:
    return Rep(0, demo_tenant, DEMO_ADMIN, "Admin", DEMO_PASSWORD)


def shot_name(url: str) -> str:
    return url.strip("/").replace("/", "_").replace("?", "_") or "home"


def overflow(page) -> tuple[int, int]:
    return page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")


def test_every_dashboard_page_fits_a_phone(app, browser, live_server, login, dashboard, demo_admin):
    urls = dashboard_pages(app, dashboard(demo_admin), demo_admin.customer_id)
    assert len(urls) >= 15 and "/end-users/" in urls and "/actions/order" in urls
    SHOTS.mkdir(parents=True, exist_ok=True)
    too_wide = {}
    for viewport in (PHONE, DESKTOP):
        context = browser.new_context(viewport=viewport)
        page = context.new_page()
        login(page, demo_admin)
        for url in urls:
            page.goto(f"{live_server}{url}")
            page.wait_for_load_state("networkidle")
            page.screenshot(path=str(SHOTS / f"{shot_name(url)}-{viewport['width']}.png"), full_page=True)
            scroll_width, client_width = overflow(page)
            if scroll_width > client_width:
                too_wide[f"{url} at {viewport['width']} px"] = (scroll_width, page.evaluate(SPILLERS))
        context.close()
    assert not too_wide, f"pages that scroll sideways (scrollWidth, widest elements): {too_wide}"


def test_the_sign_in_page_fits_a_phone(browser, live_server):
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.goto(f"{live_server}/login")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "login-390.png"), full_page=True)
    scroll_width, client_width = overflow(page)
    context.close()
    assert scroll_width <= client_width


def test_look_up_button_and_order_row_buttons_stay_inside_their_card(browser, live_server, login, demo_admin):
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    login(page, demo_admin)
    page.goto(f"{live_server}/end-users/lookup")
    button = page.get_by_role("button", name="Look up")
    expect(button).to_be_visible()
    box = button.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box

    page.goto(f"{live_server}/actions/order")
    rows = page.locator(".order-list .order-row")
    assert rows.count() > 0
    spilled = page.evaluate("""() => [...document.querySelectorAll('.order-panel')].flatMap(card => {
        const edge = card.getBoundingClientRect().right;
        return [...card.querySelectorAll('.order-list button')]
          .filter(b => b.getBoundingClientRect().right > edge + 0.5).map(b => b.getAttribute('aria-label') || b.textContent);
    })""")
    context.close()
    assert not spilled, f"order-row buttons outside their card: {spilled[:5]}"
