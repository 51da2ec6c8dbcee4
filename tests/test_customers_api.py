"""/api/Customers: settings read and partial update, every validation rule, secrets, access."""
import pytest
from sqlalchemy import select

from app.catalog.models import AIModel
from app.customers.models import SECRET_FIELDS, Customer, CustomerSecret

ME = "/api/Customers/me"


@pytest.fixture
def admin_api(api, tenant_a):
    return api(tenant_a.admin)


def _model(in_app, name, **kw):
    with in_app() as session:
        return session.scalar(select(AIModel.id).where(AIModel.model_name == name))


def _make_model(in_app, **kw):
    values = {"model_name": "Own model", "api_model_name": "own-1", "compatible_usages": ["Topic"], **kw}
    with in_app() as session:
        model = AIModel(**values)
        session.add(model)
        session.commit()
        return model.id


def _put(client, body):
    return client.put(ME, json=body)


def _errors(response):
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    return response.get_json()["errors"]


# ---- Read -------------------------------------------------------------------------------------

def test_get_me_returns_settings_without_secrets(admin_api, tenant_a):
    body = admin_api.get(ME).get_json()
    assert body["customerID"] == tenant_a.id
    assert body["name"] == tenant_a.name
    assert body["subscriptionLevel"] == 2
    assert body["ticketCleanupRetentionDays"] == 90
    assert body["apiAuthenticationType"] == "None"
    assert body["emailProviderType"] == "None"
    assert body["imapUseSsl"] is True
    assert body["configuredSecrets"] == []
    for name in SECRET_FIELDS:
        assert body[name] is None
    for name in ("defaultTopicModelId", "defaultCustomerRepID", "apiBaseUrl", "twilioAccountSID", "googleCloudProjectIds"):
        assert name in body


def test_put_updates_and_keeps_absent_fields(admin_api):
    response = _put(admin_api, {"apiBaseUrl": "https://api.example.com/v1", "apiAuthenticationType": "Bearer",
                                "imapServer": "imap.example.com", "imapPort": 993})
    assert response.status_code == 204
    assert response.get_data() == b""
    assert _put(admin_api, {"smtpServer": "smtp.example.com"}).status_code == 204
    body = admin_api.get(ME).get_json()
    assert body["apiBaseUrl"] == "https://api.example.com/v1"
    assert body["apiAuthenticationType"] == "Bearer"
    assert body["imapServer"] == "imap.example.com"
    assert body["imapPort"] == 993
    assert body["smtpServer"] == "smtp.example.com"


def test_null_clears_a_nullable_field(admin_api):
    assert _put(admin_api, {"apiBaseUrl": "https://api.example.com", "imapPort": 143}).status_code == 204
    assert _put(admin_api, {"apiBaseUrl": None, "imapPort": None}).status_code == 204
    body = admin_api.get(ME).get_json()
    assert body["apiBaseUrl"] is None and body["imapPort"] is None


@pytest.mark.parametrize("name", ["ticketCleanupRetentionDays", "apiAuthenticationType", "emailProviderType",
                                  "imapUseSsl", "defaultEmailModelInternetAccessEnabled"])
def test_null_on_a_non_nullable_field_is_400(admin_api, name):
    assert name in _errors(_put(admin_api, {name: None}))


def test_booleans_round_trip(admin_api):
    assert _put(admin_api, {"imapUseSsl": False, "defaultWebchatModelInternetAccessEnabled": True}).status_code == 204
    body = admin_api.get(ME).get_json()
    assert body["imapUseSsl"] is False
    assert body["defaultWebchatModelInternetAccessEnabled"] is True
    assert body["smtpUseSsl"] is True


def test_a_body_copied_from_get_can_be_put_back(admin_api):
    body = admin_api.get(ME).get_json()
    body["ticketCleanupRetentionDays"] = 30
    assert _put(admin_api, body).status_code == 204
    assert admin_api.get(ME).get_json()["ticketCleanupRetentionDays"] == 30


@pytest.mark.parametrize("name,value", [("name", "Renamed"), ("customerID", 999999), ("subscriptionLevel", 3)])
def test_read_only_fields_cannot_change(admin_api, name, value):
    assert _errors(_put(admin_api, {name: value})) == {name: ["This field is read-only."]}


# ---- Validation: one bad input per rule, keyed by the DTO name ------------------------------------

@pytest.mark.parametrize("body,key", [
    ({"ticketCleanupRetentionDays": 0}, "ticketCleanupRetentionDays"),
    ({"ticketCleanupRetentionDays": -5}, "ticketCleanupRetentionDays"),
    ({"ticketCleanupRetentionDays": 10**12}, "ticketCleanupRetentionDays"),
    ({"defaultTopicModelId": 10**15}, "defaultTopicModelId"),
    ({"defaultCustomerRepID": 10**15}, "defaultCustomerRepID"),
    ({"imapPort": 10**20}, "imapPort"),
    ({"imapPort": 0}, "imapPort"),
    ({"imapPort": 65536}, "imapPort"),
    ({"smtpPort": 70000}, "smtpPort"),
    ({"smtpPort": -1}, "smtpPort"),
    ({"apiBaseUrl": "api.example.com/v1"}, "apiBaseUrl"),
    ({"apiBaseUrl": "/relative/path"}, "apiBaseUrl"),
    ({"apiBaseUrl": "ftp://files.example.com"}, "apiBaseUrl"),
    ({"apiBaseUrl": "javascript:alert(1)"}, "apiBaseUrl"),
    ({"apiBaseUrl": "https://"}, "apiBaseUrl"),
    ({"apiBaseUrl": "https://exa mple.com"}, "apiBaseUrl"),
    ({"apiBaseUrl": "https://example.com:99999"}, "apiBaseUrl"),
    ({"graphAuthorityURL": "login.microsoftonline.com"}, "graphAuthorityURL"),
    ({"apiAuthenticationType": "Digest"}, "apiAuthenticationType"),
    ({"apiAuthenticationType": "bearer"}, "apiAuthenticationType"),
    ({"emailProviderType": "Pop3"}, "emailProviderType"),
    ({"apiUsername": "x" * 201}, "apiUsername"),
    ({"imapPort": "993"}, "imapPort"),
    ({"imapUseSsl": "yes"}, "imapUseSsl"),
    ({"ticketCleanupRetentionDays": 1.5}, "ticketCleanupRetentionDays"),
    ({"apiBaseUrl": 12345}, "apiBaseUrl"),
    ({"unknownField": 1}, "unknownField"),
    ({"defaultTopicModelId": "1"}, "defaultTopicModelId"),
])
def test_each_rule_rejects_bad_input_with_its_key(admin_api, body, key):
    errors = _errors(_put(admin_api, body))
    assert key in errors, errors


def test_a_rejected_update_changes_nothing(admin_api):
    response = _put(admin_api, {"apiBaseUrl": "https://ok.example.com", "smtpPort": 0})
    assert "smtpPort" in _errors(response)
    assert admin_api.get(ME).get_json()["apiBaseUrl"] is None


def test_several_errors_come_back_together(admin_api):
    errors = _errors(_put(admin_api, {"apiBaseUrl": "nope", "graphAuthorityURL": "nope",
                                      "defaultTopicModelId": 987654}))
    assert set(errors) == {"apiBaseUrl", "graphAuthorityURL", "defaultTopicModelId"}


@pytest.mark.parametrize("value", ["http://localhost:8080/api", "https://api.example.com/v2?x=1", "HTTPS://EXAMPLE.COM"])
def test_valid_urls_are_accepted(admin_api, value):
    assert _put(admin_api, {"apiBaseUrl": value}).status_code == 204


def test_ports_at_the_bounds_are_accepted(admin_api):
    assert _put(admin_api, {"imapPort": 1, "smtpPort": 65535, "ticketCleanupRetentionDays": 1}).status_code == 204


def test_malformed_json_and_wrong_content_type(admin_api):
    assert admin_api.put(ME, data="{nope", content_type="application/json").status_code == 400
    assert admin_api.put(ME, json=[1, 2]).status_code == 400
    assert admin_api.put(ME, data="apiBaseUrl=x", content_type="application/x-www-form-urlencoded").status_code == 415


# ---- Default models ---------------------------------------------------------------------------

def test_default_model_accepts_a_compatible_model(admin_api, in_app):
    gpt = _model(in_app, "GPT-4.1")
    realtime = _model(in_app, "GPT-4o Realtime")  # level 2, tenant_a has level 2
    assert _put(admin_api, {"defaultTopicModelId": gpt, "defaultRealtimeModelId": realtime}).status_code == 204
    body = admin_api.get(ME).get_json()
    assert body["defaultTopicModelId"] == gpt and body["defaultRealtimeModelId"] == realtime
    assert _put(admin_api, {"defaultTopicModelId": None}).status_code == 204
    assert admin_api.get(ME).get_json()["defaultTopicModelId"] is None


def test_default_model_unknown(admin_api):
    assert _errors(_put(admin_api, {"defaultTopicModelId": 987654})) == {"defaultTopicModelId": ["Unknown model."]}


def test_default_model_inactive(admin_api, in_app):
    whisper = _model(in_app, "Whisper")
    errors = _errors(_put(admin_api, {"defaultTranscribeModelId": whisper}))
    assert "not active" in errors["defaultTranscribeModelId"][0]


def test_default_model_above_the_subscription_level(admin_api, in_app):
    o3 = _model(in_app, "o3")  # level 3
    errors = _errors(_put(admin_api, {"defaultEmailModelId": o3}))
    assert "subscription level 3" in errors["defaultEmailModelId"][0]


def test_default_model_for_another_usage(admin_api, in_app):
    transcribe = _model(in_app, "GPT-4o Transcribe")
    errors = _errors(_put(admin_api, {"defaultTopicModelId": transcribe}))
    assert "cannot be used for Topic" in errors["defaultTopicModelId"][0]


def test_default_model_of_another_tenant_is_unknown(admin_api, in_app, tenant_b):
    foreign = _make_model(in_app, customer_id=tenant_b.id)
    assert _errors(_put(admin_api, {"defaultTopicModelId": foreign})) == {"defaultTopicModelId": ["Unknown model."]}


def test_own_model_is_accepted(admin_api, in_app, tenant_a):
    own = _make_model(in_app, customer_id=tenant_a.id)
    assert _put(admin_api, {"defaultTopicModelId": own}).status_code == 204


def test_each_usage_field_checks_its_own_usage(admin_api, in_app):
    from app.customers.models import MODEL_USAGES

    only_spam = _make_model(in_app, compatible_usages=["Spam"])
    for usage, name in MODEL_USAGES.items():
        response = _put(admin_api, {name: only_spam})
        if usage == "Spam":
            assert response.status_code == 204
        else:
            assert f"cannot be used for {usage}" in _errors(response)[name][0]


def test_a_stored_default_that_was_retired_does_not_block_other_changes(admin_api, in_app, tenant_a):
    own = _make_model(in_app, customer_id=tenant_a.id)
    assert _put(admin_api, {"defaultTopicModelId": own}).status_code == 204
    with in_app() as session:
        session.get(AIModel, own).is_active = False
        session.commit()
    assert _put(admin_api, {"ticketCleanupRetentionDays": 10}).status_code == 204
    assert _put(admin_api, {"defaultTopicModelId": own}).status_code == 204  # unchanged: kept
    models = admin_api.get("/api/Customers/models").get_json()
    assert own in [m["modelID"] for m in models]  # inactive, but still selected


# ---- Models list ------------------------------------------------------------------------------

def test_models_lists_active_global_and_own_models(admin_api, in_app, tenant_a, tenant_b):
    own = _make_model(in_app, customer_id=tenant_a.id, model_name="Alpha tuned")
    foreign = _make_model(in_app, customer_id=tenant_b.id, model_name="Bravo tuned")
    own_inactive = _make_model(in_app, customer_id=tenant_a.id, model_name="Alpha old", is_active=False)
    response = admin_api.get("/api/Customers/models")
    assert response.status_code == 200
    models = response.get_json()
    ids = {m["modelID"] for m in models}
    assert own in ids and foreign not in ids and own_inactive not in ids
    names = {m["modelName"] for m in models}
    assert "GPT-4.1" in names and "Whisper" not in names and "GPT-3.5 Turbo" not in names
    gpt = next(m for m in models if m["modelName"] == "GPT-4.1")
    for key in ("modelID", "purpose", "apiModelName", "hasTextInput", "hasFunctionCalling", "supportsWebSearch",
                "requiredSubscriptionLevel", "isGlobal", "isDefault", "showInPrimaryList", "compatibleUsages",
                "isActive", "isFineTuned"):
        assert key in gpt
    assert gpt["isGlobal"] is True


# ---- Representative ---------------------------------------------------------------------------

def test_default_representative_same_tenant(admin_api, tenant_a, tenant_b):
    assert _put(admin_api, {"defaultCustomerRepID": tenant_a.agent.id}).status_code == 204
    assert admin_api.get(ME).get_json()["defaultCustomerRepID"] == tenant_a.agent.id
    assert _errors(_put(admin_api, {"defaultCustomerRepID": tenant_b.agent.id})) == {
        "defaultCustomerRepID": ["Unknown representative."]}
    assert "defaultCustomerRepID" in _errors(_put(admin_api, {"defaultCustomerRepID": 999999}))


# ---- Secrets ----------------------------------------------------------------------------------

def _stored_secrets(in_app, customer_id):
    with in_app() as session:
        rows = session.scalars(select(CustomerSecret).where(CustomerSecret.customer_id == customer_id))
        return {row.name: row.value for row in rows}


def test_secret_set_keep_clear_and_never_returned(admin_api, in_app, tenant_a):
    assert _put(admin_api, {"openAIApiKey": "sk-first-secret-value-1234", "apiToken": "tok-abcdefgh-9876"}).status_code == 204
    response = admin_api.get(ME)
    text = response.get_data(as_text=True)
    assert "sk-first-secret-value-1234" not in text and "tok-abcdefgh-9876" not in text
    body = response.get_json()
    assert body["openAIApiKey"] is None and body["apiToken"] is None
    assert body["configuredSecrets"] == ["apiToken", "openAIApiKey"]

    # left out keeps, null keeps
    assert _put(admin_api, {"twilioRegion": "ie1"}).status_code == 204
    assert _put(admin_api, {"openAIApiKey": None}).status_code == 204
    assert _stored_secrets(in_app, tenant_a.id) == {
        "openAIApiKey": "sk-first-secret-value-1234", "apiToken": "tok-abcdefgh-9876"}

    # another value replaces, "" clears
    assert _put(admin_api, {"openAIApiKey": "sk-second-secret-5678", "apiToken": ""}).status_code == 204
    assert _stored_secrets(in_app, tenant_a.id) == {"openAIApiKey": "sk-second-secret-5678"}
    assert admin_api.get(ME).get_json()["configuredSecrets"] == ["openAIApiKey"]


def test_secrets_are_encrypted_at_rest(admin_api, in_app, tenant_a):
    from sqlalchemy import text

    assert _put(admin_api, {"graphClientSecret": "graph-secret-plaintext"}).status_code == 204
    with in_app() as session:
        raw = session.execute(text("SELECT value FROM customer_secret WHERE customer_id = :c"), {"c": tenant_a.id}).scalar()
    assert raw and "graph-secret-plaintext" not in raw


def test_all_secret_fields_are_write_only(admin_api, in_app, tenant_a):
    body = {name: f"value-of-{name}-0000" for name in SECRET_FIELDS}
    assert _put(admin_api, body).status_code == 204
    response = admin_api.get(ME)
    text = response.get_data(as_text=True)
    for value in body.values():
        assert value not in text
    assert sorted(response.get_json()["configuredSecrets"]) == sorted(SECRET_FIELDS)


def test_a_secret_of_the_wrong_type_is_400(admin_api):
    assert "openAIApiKey" in _errors(_put(admin_api, {"openAIApiKey": 12345}))


# ---- Access and isolation ---------------------------------------------------------------------

@pytest.mark.parametrize("method,path", [("GET", ME), ("PUT", ME), ("GET", "/api/Customers/models")])
def test_agent_is_forbidden(api, tenant_a, method, path):
    response = api(tenant_a.agent).open(method, path, json={"ticketCleanupRetentionDays": 5})
    assert response.status_code == 403
    assert response.mimetype == "application/problem+json"


@pytest.mark.parametrize("method,path", [("GET", ME), ("PUT", ME), ("GET", "/api/Customers/models"),
                                         ("GET", "/api/Customers/my-secrets")])
def test_no_token_is_401(api, method, path):
    assert api().open(method, path, json={}).status_code == 401


def test_tenants_only_see_and_change_their_own_account(api, tenant_a, tenant_b, in_app):
    a, b = api(tenant_a.admin), api(tenant_b.admin)
    assert _put(a, {"apiBaseUrl": "https://alpha.example.com", "openAIApiKey": "sk-alpha-only-0001"}).status_code == 204
    assert _put(b, {"apiBaseUrl": "https://bravo.example.com"}).status_code == 204
    assert a.get(ME).get_json()["apiBaseUrl"] == "https://alpha.example.com"
    body_b = b.get(ME).get_json()
    assert body_b["customerID"] == tenant_b.id
    assert body_b["apiBaseUrl"] == "https://bravo.example.com"
    assert body_b["configuredSecrets"] == []
    with in_app() as session:
        assert session.get(Customer, tenant_a.id).api_base_url == "https://alpha.example.com"


# ---- Phone secrets ----------------------------------------------------------------------------

@pytest.fixture
def phone_channel(in_app, tenant_a):
    from app.auth.passwords import hash_password
    from app.channels.models import Channel

    with in_app() as session:
        channel = Channel(customer_id=tenant_a.id, name="Hotline", channel_type="Phone",
                          secret_hash=hash_password("phone-channel-secret"))
        session.add(channel)
        session.commit()
        return channel.id


def _phone_api(api, channel_id, secret="phone-channel-secret"):
    client = api()
    response = client.post("/api/Auth/phone-login", json={"channelID": channel_id, "channelSecret": secret})
    assert response.status_code == 200, response.get_json()
    client.token = response.get_json()["token"]
    return client


def test_my_secrets_for_a_phone_channel(api, tenant_a, phone_channel):
    admin = api(tenant_a.admin)
    assert _put(admin, {"twilioAccountSID": "AC123", "twilioAuthToken": "twilio-token-5555",
                        "openAIApiKey": "sk-phone-7777", "openAIAdminApiKey": "sk-admin-8888",
                        "apiPassword": "connector-9999"}).status_code == 204
    phone = _phone_api(api, phone_channel)
    response = phone.get("/api/Customers/my-secrets")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    assert body["customerID"] == tenant_a.id and body["channelID"] == phone_channel
    assert body["twilioAccountSID"] == "AC123"
    assert body["twilioAuthToken"] == "twilio-token-5555"
    assert body["openAIApiKey"] == "sk-phone-7777"
    assert body["googleMapsApiKey"] is None
    text = response.get_data(as_text=True)
    assert "sk-admin-8888" not in text and "connector-9999" not in text
    # a phone token opens nothing else here
    assert phone.get(ME).status_code == 403


def test_my_secrets_refuses_representatives(api, tenant_a):
    assert api(tenant_a.admin).get("/api/Customers/my-secrets").status_code == 403


def test_my_secrets_refuses_a_channel_that_is_no_longer_active(api, in_app, phone_channel):
    from app.channels.models import Channel

    phone = _phone_api(api, phone_channel)
    with in_app() as session:
        session.get(Channel, phone_channel).is_active = False
        session.commit()
    assert phone.get("/api/Customers/my-secrets").status_code == 403
