"""What the browser downloads: compressed answers, fingerprinted static files cached for a year,
SortableJS only where lists are ordered, a favicon and the API docs in the navigation."""
import gzip
import re

SCRIPT_OR_STYLE = re.compile(r'(?:src|href)="(/static/[^"]+)"')


def assets_of(html: str) -> list[str]:
    return [url.replace("&amp;", "&") for url in SCRIPT_OR_STYLE.findall(html)]


def test_dashboard_pages_are_compressed_for_clients_that_accept_it(dashboard, tenant_a):
    session = dashboard(tenant_a.admin)
    plain = session.get("/end-users/")
    packed = session.client.get("/end-users/", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in plain.headers
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["Vary"]
    assert gzip.decompress(packed.data).decode().count("End users") == plain.get_data(as_text=True).count("End users")
    assert len(packed.data) < len(plain.data) / 2


def test_static_files_are_fingerprinted_cached_for_a_year_and_gzipped(client):
    html = client.get("/login").get_data(as_text=True)
    urls = assets_of(html)
    assert any("htmx.min.js" in u for u in urls) and any("app.css" in u for u in urls)
    for url in urls:
        assert re.search(r"\?v=[0-9a-f]{12}$", url), url
        response = client.get(url, headers={"Accept-Encoding": "gzip"})
        assert response.status_code == 200
        cache = response.headers["Cache-Control"]
        assert "max-age=31536000" in cache and "immutable" in cache, (url, cache)
        if url.endswith((".js", ".css")) or ".js?" in url or ".css?" in url:
            assert response.headers["Content-Encoding"] == "gzip", url


def test_a_stale_or_missing_fingerprint_is_not_cached_for_a_year(client):
    for url in ("/static/js/app.js?v=000000000000", "/static/js/app.js"):
        response = client.get(url)
        assert response.status_code == 200
        assert "immutable" not in response.headers.get("Cache-Control", ""), url


def test_api_json_is_never_compressed_so_etags_and_bodies_stay_as_they_are(api, tenant_a):
    caller = api(tenant_a.admin)
    plain = caller.get("/api/Customers/me")
    for path in ("/api/Customers/me", "/api/EndUsers", "/api/openapi.json"):
        answer = caller.get(path, headers={"Accept-Encoding": "gzip, br"})
        assert answer.status_code == 200 and "Content-Encoding" not in answer.headers, path
    assert caller.get("/api/Customers/me", headers={"Accept-Encoding": "gzip"}).headers["ETag"] == plain.headers["ETag"]


def test_the_api_docs_page_is_compressed(client):
    assert client.get("/api/docs", headers={"Accept-Encoding": "gzip"}).headers["Content-Encoding"] == "gzip"


def test_sortable_loads_only_on_the_ordering_page(dashboard, tenant_a):
    session = dashboard(tenant_a.admin)
    for path in ("/", "/end-users/", "/actions/", "/settings/connector", "/topics/"):
        assert "Sortable" not in session.get(path).get_data(as_text=True), path
    assert any("Sortable.min.js" in u for u in assets_of(session.get("/actions/order").get_data(as_text=True)))


def test_favicon_and_api_docs_link(dashboard, client, tenant_a):
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.mimetype in ("image/vnd.microsoft.icon", "image/x-icon")
    assert icon.data[:4] == b"\x00\x00\x01\x00"
    html = dashboard(tenant_a.admin).get("/").get_data(as_text=True)
    assert re.search(r'<link rel="icon" href="/static/favicon.svg\?v=', html)
    nav = html[html.index('class="mainnav"'):html.index("</nav>")]
    assert 'href="/api/docs"' in nav and "API docs" in nav
