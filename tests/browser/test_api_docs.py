"""The API docs page renders in a real browser from the vendored viewer."""
from pathlib import Path

from playwright.sync_api import expect


def test_docs_page_lists_the_routes(page, live_server):
    page.goto(f"{live_server}/api/docs")
    expect(page.get_by_text("Switchboard API").first).to_be_visible()
    expect(page.locator(".opblock-summary-path", has_text="/api/Auth/login")).to_be_visible()
    expect(page.locator(".opblock-summary-path", has_text="/api/Auth/phone-login")).to_be_visible()
    out = Path("test-artifacts")
    out.mkdir(exist_ok=True)
    page.screenshot(path=str(out / "api-docs.png"), full_page=False)
    assert (out / "api-docs.png").stat().st_size > 10_000
