"""Settings pages: one htmx partial per group, conditional fields, write-only secrets, access."""
import json

import pytest

from app.customers.forms import GROUPS


@pytest.fixture
def admin(dashboard, tenant_a):
    session = dashboard(tenant_a.admin)
    session.get("/settings/connector")
    return session


def _toast(response):
    trigger = json.loads(response.headers.get("HX-Trigger", "{}"))
    return trigger.get("toast", {})


def _customer(in_app, customer_id):
    from app.customers.models import Customer

    with in_app() as session:
        customer = session.get(Customer, customer_id)
        session.expunge(customer)
        return customer


def test_settings_landing_leads_to_the_first_group(admin):
    response = admin.get("/settings/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/settings/connector")


@pytest.mark.parametrize("group", list(GROUPS))
def test_every_group_page_renders_with_tabs(admin, group):
    response = admin.get(f"/settings/{group}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'id="group-{group}"' in html
    for label, _ in GROUPS.values():
        assert label in html
    assert "<script>" not in html and "onclick" not in html


@pytest.mark.parametrize("path", [*(f"/settings/{g}" for g in GROUPS), "/settings/catalogue", "/settings/"])
def test_agents_get_403(dashboard, tenant_a, path):
    assert dashboard(tenant_a.agent).get(path).status_code == 403


def test_agents_cannot_save(dashboard, tenant_a, in_app):
    agent = dashboard(tenant_a.agent)
    response = agent.post("/settings/operations", {"ticketCleanupRetentionDays": "3"}, htmx=True)
    assert response.status_code == 403
    assert _customer(in_app, tenant_a.id).ticket_cleanup_retention_days == 90


def test_anonymous_is_sent_to_login(client):
    response = client.get("/settings/email")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_save_a_group_returns_the_partial_with_a_toast(admin, in_app, tenant_a):
    response = admin.post("/settings/operations", {"ticketCleanupRetentionDays": "30",
                                                   "defaultCustomerRepID": str(tenant_a.agent.id)}, htmx=True)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith("<form") and "<html" not in html
    assert _toast(response) == {"message": "Operational defaults saved.", "level": "success"}
    customer = _customer(in_app, tenant_a.id)
    assert customer.ticket_cleanup_retention_days == 30
    assert customer.default_customer_rep_id == tenant_a.agent.id


def test_errors_come_back_beside_the_fields_with_input_kept(admin, in_app, tenant_a):
    response = admin.post("/settings/email", {
        "emailProviderType": "ImapSmtp", "imapServer": "imap.example.com", "imapPort": "993",
        "smtpServer": "smtp.example.com", "smtpPort": "70000", "smtpUseSsl": "y",
    }, htmx=True)
    assert response.status_code == 200
    assert _toast(response)["level"] == "error"
    html = response.get_data(as_text=True)
    assert 'id="smtpPort-errors"' in html and "between 1 and 65535" in html
    assert 'value="imap.example.com"' in html and 'value="smtp.example.com"' in html and 'value="70000"' in html
    assert _customer(in_app, tenant_a.id).email_provider_type == "None"


@pytest.mark.parametrize("group,data,key", [
    ("connector", {"apiBaseUrl": "not a url", "apiAuthenticationType": "None"}, "apiBaseUrl"),
    ("connector", {"apiAuthenticationType": "Digest"}, "apiAuthenticationType"),
    ("operations", {"ticketCleanupRetentionDays": "0"}, "ticketCleanupRetentionDays"),
    ("operations", {"ticketCleanupRetentionDays": "abc"}, "ticketCleanupRetentionDays"),
    ("models", {"defaultTopicModelId": "987654"}, "defaultTopicModelId"),
])
def test_the_same_rules_guard_the_pages(admin, group, data, key):
    response = admin.post(f"/settings/{group}", data, htmx=True)
    assert response.status_code == 200
    assert f'id="{key}-errors"' in response.get_data(as_text=True)


def test_conditional_fields_follow_the_provider_type(admin):
    def fields(provider):
        return admin.get(f"/settings/email/fields?emailProviderType={provider}", headers={"HX-Request": "true"}).get_data(as_text=True)

    graph, imap, none = fields("Graph"), fields("ImapSmtp"), fields("None")
    assert 'name="graphTenantID"' in graph and 'name="smtpPort"' not in graph
    assert 'name="smtpPort"' in imap and 'name="graphTenantID"' not in imap
    assert 'name="smtpPort"' not in none and 'name="graphTenantID"' not in none


def test_conditional_fields_follow_the_auth_type(admin):
    def fields(auth):
        return admin.get(f"/settings/connector/fields?apiAuthenticationType={auth}").get_data(as_text=True)

    assert 'name="apiUsername"' in fields("Basic") and 'name="apiPassword"' in fields("Basic")
    assert 'name="apiToken"' not in fields("Basic")
    assert 'name="apiToken"' in fields("Bearer") and 'name="apiToken"' in fields("ApiKey")
    assert 'name="apiUsername" type="text"' not in fields("None")


def test_hidden_fields_keep_their_values(admin, in_app, tenant_a):
    admin.post("/settings/email", {"emailProviderType": "ImapSmtp", "imapServer": "imap.example.com",
                                   "imapPort": "993", "imapUseSsl": "y"}, htmx=True)
    html = admin.get("/settings/email").get_data(as_text=True)
    admin.post("/settings/email", {"emailProviderType": "Graph", "graphTenantID": "tenant-1",
                                   "imapServer": "imap.example.com", "imapPort": "993"}, htmx=True)
    customer = _customer(in_app, tenant_a.id)
    assert customer.email_provider_type == "Graph"
    assert customer.imap_server == "imap.example.com" and customer.imap_use_ssl is True
    assert 'value="imap.example.com"' in html


def test_model_selects_offer_only_compatible_allowed_models(admin, in_app):
    html = admin.get("/settings/models").get_data(as_text=True)
    start = html.index('name="defaultTranscribeModelId"')
    transcribe = html[start:html.index("</select>", start)]
    assert "GPT-4o Transcribe" in transcribe and "Whisper" not in transcribe and "GPT-4.1 mini" not in transcribe
    start = html.index('name="defaultEmailModelId"')
    email = html[start:html.index("</select>", start)]
    assert "GPT-4o (level 2)" in email and "o3" not in email  # o3 needs level 3
    assert '<optgroup label="Global models">' in email


def test_model_select_shows_badges_of_the_chosen_model(admin, in_app):
    from sqlalchemy import select

    from app.catalog.models import AIModel

    with in_app() as session:
        gpt = session.scalar(select(AIModel.id).where(AIModel.model_name == "GPT-4.1"))
    response = admin.post("/settings/models", {"defaultTopicModelId": str(gpt), "defaultEmailModelInternetAccessEnabled": "y"}, htmx=True)
    assert _toast(response)["level"] == "success"
    html = response.get_data(as_text=True)
    assert "Function calling" in html and "Web search" in html and "Level 1" in html


def test_catalogue_lists_and_filters(admin):
    html = admin.get("/settings/catalogue").get_data(as_text=True)
    assert "GPT-4.1" in html and "Whisper" not in html and "Reasoning" in html
    rows = admin.get("/settings/catalogue?usage=Transcribe&status=all", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert rows.lstrip().startswith('<div id="catalogue-rows">')
    assert "Whisper" in rows and "GPT-4.1 mini" not in rows
    allowed = admin.get("/settings/catalogue?allowed=1").get_data(as_text=True)
    assert "o3" not in allowed and "GPT-4o" in allowed
    reasoning = admin.get("/settings/catalogue?capability=hasReasoning").get_data(as_text=True)
    assert "GPT-4.1 mini" not in reasoning


# ---- Secrets ----------------------------------------------------------------------------------

SECRET = "sk-dashboard-plaintext-4242"


def test_secret_is_write_only_on_the_page(admin, in_app, tenant_a):
    response = admin.post("/settings/secrets", {"openAIApiKey": SECRET}, htmx=True)
    html = response.get_data(as_text=True)
    assert _toast(response)["level"] == "success"
    assert SECRET not in html
    assert "4242" in html and "Replace" in html and "Clear" in html
    page = admin.get("/settings/secrets").get_data(as_text=True)
    assert SECRET not in page and "4242" in page
    # saving again with the input left blank keeps it
    admin.post("/settings/secrets", {"twilioRegion": "ie1"}, htmx=True)
    assert _customer_secret(in_app, tenant_a.id, "openAIApiKey") == SECRET


def _customer_secret(in_app, customer_id, name):
    from app.customers.models import Customer

    with in_app() as session:
        secret = session.get(Customer, customer_id).secret(name)
        return secret.value if secret else None


def test_replace_shows_an_empty_input_and_clear_removes(admin, in_app, tenant_a):
    admin.post("/settings/secrets", {"googleMapsApiKey": "maps-key-value-0001"}, htmx=True)
    edit = admin.get("/settings/secrets/secret/googleMapsApiKey?edit=1").get_data(as_text=True)
    assert 'type="password"' in edit and "maps-key-value" not in edit and 'value=""' in edit
    admin.post("/settings/secrets", {"googleMapsApiKey": "maps-key-value-0002"}, htmx=True)
    assert _customer_secret(in_app, tenant_a.id, "googleMapsApiKey") == "maps-key-value-0002"
    response = admin.request("POST", "/settings/secrets/secret/googleMapsApiKey/clear")
    assert response.status_code == 200
    assert _toast(response)["message"] == "Google Maps API key cleared."
    assert _customer_secret(in_app, tenant_a.id, "googleMapsApiKey") is None
    assert "Not set" in response.get_data(as_text=True)


def test_secret_routes_refuse_unknown_names(admin):
    assert admin.get("/settings/secrets/secret/apiBaseUrl").status_code == 404
    assert admin.get("/settings/secrets/secret/apiToken").status_code == 404  # belongs to another group
    assert admin.get("/settings/nope").status_code == 404


def test_clear_needs_the_csrf_token(admin):
    response = admin.client.post("/settings/secrets/secret/openAIApiKey/clear", headers={"HX-Request": "true"})
    assert response.status_code == 400


# ---- Phone channel secrets --------------------------------------------------------------------

@pytest.fixture
def make_channel(in_app):
    from app.channels.models import Channel

    def make(customer_id, channel_type="Phone", name="Hotline"):
        with in_app() as session:
            channel = Channel(customer_id=customer_id, name=name, channel_type=channel_type)
            session.add(channel)
            session.commit()
            return channel.id

    return make


def test_rotate_a_phone_channel_secret_shows_it_once(admin, api, tenant_a, make_channel):
    channel_id = make_channel(tenant_a.id)
    page = admin.get("/settings/secrets").get_data(as_text=True)
    assert "Hotline" in page and "Create secret" in page
    response = admin.request("POST", f"/settings/secrets/channels/{channel_id}/rotate")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    secret = html.split('<code class="secret-once">', 1)[1].split("</code>", 1)[0]
    assert len(secret) >= 32
    assert secret not in admin.get("/settings/secrets").get_data(as_text=True)
    login = api().post("/api/Auth/phone-login", json={"channelID": channel_id, "channelSecret": secret})
    assert login.status_code == 200
    # rotating again invalidates the old secret
    admin.request("POST", f"/settings/secrets/channels/{channel_id}/rotate")
    assert api().post("/api/Auth/phone-login", json={"channelID": channel_id, "channelSecret": secret}).status_code == 401


def test_rotate_refuses_other_tenants_and_other_channel_types(admin, tenant_a, tenant_b, make_channel):
    foreign = make_channel(tenant_b.id)
    chat = make_channel(tenant_a.id, channel_type="Chat", name="Chat")
    assert admin.request("POST", f"/settings/secrets/channels/{foreign}/rotate").status_code == 404
    assert admin.request("POST", f"/settings/secrets/channels/{chat}/rotate").status_code == 404
    assert admin.request("POST", f"/settings/secrets/channels/{10**15}/rotate").status_code == 404


def test_tenants_only_see_their_own_settings(dashboard, tenant_a, tenant_b):
    a = dashboard(tenant_a.admin)
    a.get("/settings/connector")
    a.post("/settings/connector", {"apiBaseUrl": "https://alpha-only.example.com", "apiAuthenticationType": "None"}, htmx=True)
    b = dashboard(tenant_b.admin)
    assert "alpha-only" not in b.get("/settings/connector").get_data(as_text=True)


def test_a_plain_form_post_without_htmx_still_works(admin, in_app, tenant_a):
    bad = admin.post("/settings/operations", {"ticketCleanupRetentionDays": "0"})
    assert bad.status_code == 200 and "<html" in bad.get_data(as_text=True)
    assert 'id="ticketCleanupRetentionDays-errors"' in bad.get_data(as_text=True)
    good = admin.post("/settings/operations", {"ticketCleanupRetentionDays": "12"})
    assert good.status_code == 302 and good.headers["Location"].endswith("/settings/operations")
    assert _customer(in_app, tenant_a.id).ticket_cleanup_retention_days == 12
    assert "Operational defaults saved." in admin.get("/settings/operations").get_data(as_text=True)


def test_two_tabs_saving_one_settings_group_never_overwrite_each_other_in_silence(admin, api, tenant_a):
    import html as html_lib
    import re as re_lib

    page = admin.get("/settings/connector").get_data(as_text=True)
    version = html_lib.unescape(re_lib.search(r'name="version" value="([^"]+)"', page)[1])

    def save(url, seen):
        return admin.post("/settings/connector", htmx=True, data={
            "apiBaseUrl": url, "apiAuthenticationType": "None", "version": seen})

    assert "saved" in save("https://first.example.com/api", version).headers["HX-Trigger"]
    stale = save("https://second.example.com/api", version)
    body = stale.get_data(as_text=True)
    assert "Someone else saved" in body and 'value="https://second.example.com/api"' in body
    assert '"error"' in stale.headers["HX-Trigger"]
    assert api(tenant_a.admin).get("/api/Customers/me").get_json()["apiBaseUrl"] == "https://first.example.com/api"
    fresh = html_lib.unescape(re_lib.search(r'name="version" value="([^"]+)"', body)[1])
    assert "saved" in save("https://second.example.com/api", fresh).headers["HX-Trigger"]
    assert api(tenant_a.admin).get("/api/Customers/me").get_json()["apiBaseUrl"] == "https://second.example.com/api"
    # a save of another group meanwhile does not make this one stale
    def version_of(path):
        return html_lib.unescape(re_lib.search(r'name="version" value="([^"]+)"', admin.get(path).get_data(as_text=True))[1])

    operations = version_of("/settings/operations")
    assert "saved" in save("https://third.example.com/api", version_of("/settings/connector")).headers["HX-Trigger"]
    kept = admin.post("/settings/operations", htmx=True, data={"ticketCleanupRetentionDays": "120", "version": operations})
    assert "saved" in kept.headers["HX-Trigger"]
    assert api(tenant_a.admin).get("/api/Customers/me").get_json()["ticketCleanupRetentionDays"] == 120
