"""Page weight: what a first visit to each dashboard page downloads, compressed and not.

    .venv/bin/python bench/page_weight.py

A fresh SQLite database in a temporary folder gets the demo tenant; the app's test client signs
in as its admin, fetches every dashboard page (tests/dashboard_pages.py walks app.url_map) and
typical htmx partials, and sums the page plus every script and stylesheet it references (a cold
cache: each counted in full). Columns: the baseline (no Accept-Encoding, nothing compressed),
gzip, and what Chromium negotiates (`gzip, deflate, br, zstd`: br is preferred, app/assets.py).
Goal: a page with its assets at most 60 KB with gzip, an htmx partial at most 5 KB.
"""
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402

from app import create_app  # noqa: E402
from app.demo import DEMO_ADMIN, DEMO_PASSWORD, load_demo  # noqa: E402
from app.extensions import db  # noqa: E402
from config import TestConfig  # noqa: E402
from tests.dashboard_pages import dashboard_pages  # noqa: E402

PAGE_GOAL = 60 * 1024
PARTIAL_GOAL = 5 * 1024
ENCODINGS = {"none": None, "gzip": "gzip", "chromium": "gzip, deflate, br, zstd"}
ASSET = re.compile(r'<(?:script[^>]*\ssrc|link[^>]*rel="stylesheet"[^>]*\shref)="([^"]+)"')


def partials(app, customer_id: int) -> list[tuple[str, str]]:
    from urllib.parse import quote

    from sqlalchemy import func, select

    from app.actions.models import HookAction

    with app.app_context():  # the longest hook list of the demo
        key = db.session.scalar(select(HookAction.context_key).where(HookAction.customer_id == customer_id)
                                .group_by(HookAction.context_key).order_by(func.count().desc()).limit(1))
    return [
        ("end-user live search", "/end-users/?search=an"),
        ("actions list filter", "/actions/?search=a"),
        ("settings group", "/settings/email"),
        ("execution-order list", f"/actions/order/panel?kind=hook&key={quote(key)}"),
    ]


def size(client, url: str, encoding: str | None, htmx: bool = False) -> tuple[int, str]:
    headers = {"Accept-Encoding": encoding} if encoding else {}
    if htmx:
        headers["HX-Request"] = "true"
    response = client.get(url, headers=headers)
    body = response.get_data()
    response.close()
    assert response.status_code == 200, (url, response.status_code)
    assert bool(encoding) == ("Content-Encoding" in response.headers) or len(body) < 500, url
    return len(body), response.headers.get("Content-Encoding", "-")


def with_assets(client, url: str, encoding: str | None) -> int:
    total, _ = size(client, url, encoding)
    html = client.get(url).get_data(as_text=True)
    return total + sum(size(client, asset.replace("&amp;", "&"), encoding)[0] for asset in set(ASSET.findall(html)))


def sign_in(client) -> None:
    page = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    answer = client.post("/login", data={"csrf_token": csrf, "email": DEMO_ADMIN, "password": DEMO_PASSWORD})
    assert answer.status_code == 302, answer.status_code


def kb(n: int) -> str:
    return f"{n / 1024:.1f} KB"


def main() -> int:
    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tempfile.mkdtemp(prefix='page-weight-')}/bench.db"

    app = create_app(Config)
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        customer_id = load_demo().id
        db.session.commit()
    client = app.test_client()
    sign_in(client)
    failures = 0
    print("| Page (with its scripts and styles) | Baseline (uncompressed) | gzip | Chromium (br) | Goal | |")
    print("|---|---|---|---|---|---|")
    for url in dashboard_pages(app, client, customer_id):
        sizes = {name: with_assets(client, url, enc) for name, enc in ENCODINGS.items()}
        ok = sizes["gzip"] <= PAGE_GOAL
        failures += not ok
        print(f"| `{url}` | {kb(sizes['none'])} | {kb(sizes['gzip'])} | {kb(sizes['chromium'])} | "
              f"≤ {kb(PAGE_GOAL)} | {'ok' if ok else 'OVER'} |")
    print()
    print("| htmx partial | Baseline (uncompressed) | gzip | Chromium (br) | Goal | |")
    print("|---|---|---|---|---|---|")
    for name, url in partials(app, customer_id):
        sizes = {n: size(client, url, enc, htmx=True)[0] for n, enc in ENCODINGS.items()}
        ok = sizes["gzip"] <= PARTIAL_GOAL
        failures += not ok
        print(f"| {name} `{url}` | {kb(sizes['none'])} | {kb(sizes['gzip'])} | {kb(sizes['chromium'])} | "
              f"≤ {kb(PARTIAL_GOAL)} | {'ok' if ok else 'OVER'} |")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
