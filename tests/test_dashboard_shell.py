"""Dashboard login, CSRF, the shell and its error pages."""
import pytest


def test_pages_need_a_signed_in_person(client):
    response = client.get("/end-users/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_login_page_signs_in_and_shows_the_tenant(dashboard, tenant_a):
    session = dashboard(tenant_a.admin)
    html = session.get("/").get_data(as_text=True)
    assert tenant_a.name in html
    assert tenant_a.admin.email in html
    for label in ("Settings", "End users", "Actions"):
        assert f">{label}</a>" in html
    assert "end users" in html and "open tickets" in html and "active actions" in html


def test_wrong_password_keeps_the_email_and_says_why(client, tenant_a):
    page = client.get("/login").get_data(as_text=True)
    import re

    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"csrf_token": token, "email": tenant_a.admin.email, "password": "nope"})
    html = response.get_data(as_text=True)
    assert response.status_code == 401
    assert "Invalid e-mail or password." in html
    assert f'value="{tenant_a.admin.email}"' in html
    assert "nope" not in html


def test_login_without_csrf_token_is_refused(client, tenant_a):
    response = client.post("/login", data={"email": tenant_a.admin.email, "password": tenant_a.admin.password})
    assert response.status_code == 400
    assert "security token" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_login_redirects_only_to_local_pages(client, tenant_a):
    import re

    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/login?next=https://evil.example.com/", data={"csrf_token": token, "email": tenant_a.admin.email, "password": tenant_a.admin.password})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_logout_needs_post_with_csrf(dashboard, tenant_a):
    session = dashboard(tenant_a.admin)
    assert session.client.post("/logout").status_code == 400
    assert session.post("/logout").status_code == 302
    assert session.client.get("/").status_code == 302


def test_agents_do_not_see_settings(dashboard, tenant_a):
    session = dashboard(tenant_a.agent)
    html = session.get("/").get_data(as_text=True)
    assert ">Settings</a>" not in html
    response = session.get("/settings/")
    assert response.status_code == 403
    assert "No access" in response.get_data(as_text=True)


def test_friendly_404_page_without_a_stack_trace(dashboard, tenant_a):
    response = dashboard(tenant_a.admin).get("/no-such-page")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "Not found" in html and "Traceback" not in html


def test_home_counts_only_this_tenants_rows(app, dashboard, tenant_a, tenant_b):
    from app.demo import load_demo
    from app.extensions import db

    with app.app_context():
        load_demo()
        db.session.commit()
        db.session.remove()
    html = dashboard(tenant_b.admin).get("/").get_data(as_text=True)
    import re

    numbers = [int(n) for n in re.findall(r'<span class="num">(\d+)</span>', html)]
    assert numbers == [0, 0, 0, 0, 0]


@pytest.mark.parametrize("path", ["/static/vendor/htmx.min.js", "/static/vendor/Sortable.min.js", "/static/css/app.css", "/static/js/app.js"])
def test_assets_are_served_locally(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert len(response.data) > 1000


def test_security_headers_on_pages_and_api(client, api):
    for response in (client.get("/login"), api().get("/api/NoSuchThing")):
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"


def test_production_refuses_to_start_without_keys(monkeypatch):
    import config

    for name in ("SECRET_KEY", "JWT_SIGNING_KEY", "SECRET_ENCRYPTION_KEYS"):
        monkeypatch.setattr(config.ProductionConfig, name, None if name != "SECRET_ENCRYPTION_KEYS" else [])
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        config.ProductionConfig()


def _production_keys(monkeypatch, secret_key="k" * 40):
    import config

    monkeypatch.setattr(config.ProductionConfig, "SECRET_KEY", secret_key)
    monkeypatch.setattr(config.ProductionConfig, "JWT_SIGNING_KEY", "j" * 40)
    monkeypatch.setattr(config.ProductionConfig, "SECRET_ENCRYPTION_KEYS", ["x"])
    monkeypatch.setattr(config.ProductionConfig, "RATELIMIT_SINGLE_PROCESS", True)
    return config.ProductionConfig


@pytest.mark.parametrize("weak", ["x", "short-but-not-32-characters"])
def test_production_refuses_a_weak_secret_key(monkeypatch, weak):
    production = _production_keys(monkeypatch, secret_key=weak)
    with pytest.raises(RuntimeError, match="SECRET_KEY must be at least 32 characters"):
        production()


def test_production_refuses_per_process_rate_limits_unless_told_one_process_runs(monkeypatch):
    production = _production_keys(monkeypatch)
    monkeypatch.setattr(production, "RATELIMIT_STORAGE_URI", "memory://")
    production()  # RATELIMIT_SINGLE_PROCESS=1: the operator says one process runs
    monkeypatch.setattr(production, "RATELIMIT_SINGLE_PROCESS", False)
    with pytest.raises(RuntimeError, match="counts per process"):
        production()
    monkeypatch.setattr(production, "RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/0")
    production()


def test_pages_and_answers_are_no_store_but_static_files_are_not(client, dashboard, tenant_a):
    assert client.get("/login").headers["Cache-Control"] == "no-store"
    web = dashboard(tenant_a.admin)
    for path in ("/", "/settings/connector", "/end-users/"):
        assert web.get(path).headers["Cache-Control"] == "no-store", path
    static = client.get("/static/css/app.css")
    assert static.status_code == 200 and "no-store" not in static.headers.get("Cache-Control", "")


def test_production_cookies_are_secure_and_hsts_is_sent(monkeypatch):
    import config
    from app import create_app

    monkeypatch.setattr(config.ProductionConfig, "SECRET_KEY", "k" * 40)
    monkeypatch.setattr(config.ProductionConfig, "JWT_SIGNING_KEY", "j" * 40)
    monkeypatch.setattr(config.ProductionConfig, "SECRET_ENCRYPTION_KEYS", ["x"])
    monkeypatch.setattr(config.ProductionConfig, "SQLALCHEMY_DATABASE_URI", "sqlite://")
    monkeypatch.setattr(config.ProductionConfig, "RATELIMIT_SINGLE_PROCESS", True)
    app = create_app(config.ProductionConfig)
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["SESSION_COOKIE_HTTPONLY"]
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    response = app.test_client().get("/login")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
