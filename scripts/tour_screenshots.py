"""Take the README tour's screenshots (docs/*.jpg) from the current layout and the demo data.

    .venv/bin/python scripts/tour_screenshots.py     # or: make screenshots

Builds the demo tenant in a throwaway SQLite file, serves the app on loopback and drives Debian's
Chromium (Playwright, as the browser tests do) at 1280 px and, for the phone shot, 390 px.
"""
import os
import re
import sys
import tempfile
import threading
from pathlib import Path

from flask_migrate import upgrade
from playwright.sync_api import expect, sync_playwright
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app import create_app  # noqa: E402
from app.demo import DEMO_ADMIN, DEMO_PASSWORD, load_demo  # noqa: E402
from app.extensions import db  # noqa: E402
from app.jobs.queue import run_queued  # noqa: E402
from config import TestConfig  # noqa: E402

DOCS = ROOT / "docs"
DESKTOP = {"width": 1280, "height": 760}
PHONE = {"width": 390, "height": 844}
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def demo_app():
    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{Path(tempfile.mkdtemp(prefix='switchboard-tour-')) / 'tour.db'}"

    app = create_app(Config)
    with app.app_context():
        upgrade()
        load_demo()
        db.session.commit()
        db.session.remove()
    run_queued(app)  # the demo's CSV import
    return app


def sign_in(page, base: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("E-mail").fill(DEMO_ADMIN)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/")


def shoot(page, name: str, **options) -> None:
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(DOCS / name), type="jpeg", quality=80, **options)
    print(f"docs/{name}")


def take(base: str, browser) -> None:
    desktop = browser.new_context(viewport=DESKTOP)
    page = desktop.new_page()
    sign_in(page, base)
    page.goto(f"{base}/end-users/")
    page.get_by_label("Search end users").press_sequentially("claes", delay=30)
    expect(page).to_have_url(re.compile("search=claes"))
    page.locator("#results nav.pager").get_by_role("link", name="Page 2").click()
    expect(page).to_have_url(re.compile("pageNumber=2"))
    page.evaluate("window.scrollTo(0, 0)")  # a full-page shot of a scrolled page repeats the sticky bar
    shoot(page, "end-users.jpg", full_page=True)
    page.goto(f"{base}/actions/order")
    shoot(page, "execution-order.jpg")
    desktop.close()

    phone = browser.new_context(viewport=PHONE)
    page = phone.new_page()
    sign_in(page, base)
    page.goto(f"{base}/end-users/?search=louise+claes")
    page.locator("#results tbody tr a").first.click()
    page.wait_for_url(lambda url: "/end-users/" in url and "search" not in url)
    shoot(page, "end-user-phone.jpg")
    phone.close()


def main() -> None:
    app = demo_app()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                                 args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
            take(f"http://127.0.0.1:{server.server_port}", browser)
            browser.close()
    finally:
        server.shutdown()


if __name__ == "__main__":
    main()
