"""Bad inputs are a 400 problem naming the field, and nothing is stored: unpaired surrogates,
unbounded lists, LIKE wildcards in search, e-mail spellings, and one e-mail rule for people."""
import json
import unicodedata

import pytest
from sqlalchemy import func, select

from app.auth.models import Representative
from app.channels.models import Channel
from app.customers.models import Customer
from app.end_users.models import EndUserUID
from app.tickets.models import Ticket

SURROGATE = "Must not contain unpaired surrogates (invalid Unicode)."
NFC = unicodedata.normalize("NFC", "josé@example.com")
NFD = unicodedata.normalize("NFD", "josé@example.com")
U_LABEL, A_LABEL = "ana@bücher.example", "ana@xn--bcher-kva.example"


@pytest.fixture
def admin(api, tenant_a):
    return api(tenant_a.admin)


def errors_of(response, status=400) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    return response.get_json().get("errors", {})


def raw_json(client, method, path, text):
    """Send `text` as the body byte for byte, so that a JSON escape like \\ud800 reaches the server."""
    return client.open(method, path, data=text.encode(), content_type="application/json")


def count_end_users(client) -> int:
    return client.get("/api/EndUsers").get_json()["totalCount"]


def new_end_user(client, **body) -> dict:
    response = client.post("/api/EndUsers", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def make(client, path, **body) -> dict:
    response = client.post(path, json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


# ---- 1. Unpaired surrogates ------------------------------------------------------------------

def test_a_lone_surrogate_in_a_json_string_is_400_naming_the_field(admin):
    response = raw_json(admin, "POST", "/api/EndUsers", '{"firstname": "a\\ud800b"}')
    assert errors_of(response) == {"firstname": [SURROGATE]}
    nested = raw_json(admin, "POST", "/api/EndUsers",
                      '{"firstname": "Ok", "uids": [{"uid": "a@example.com"}, {"uid": "b\\udc00@example.com"}]}')
    assert errors_of(nested)["uids[1].uid"] == [SURROGATE]
    topic = raw_json(admin, "POST", "/api/Topics", '{"name": "a\\ud800b"}')
    assert errors_of(topic) == {"name": [SURROGATE]}
    assert count_end_users(admin) == 0
    assert admin.get("/api/Topics").get_json()["totalCount"] == 0


def test_a_surrogate_pair_is_one_character_and_is_stored(admin):
    response = raw_json(admin, "POST", "/api/EndUsers", '{"firstname": "a\\ud83d\\ude00b"}')
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["firstname"] == "a\U0001F600b"


def test_a_lone_surrogate_in_a_partial_update_or_a_login_is_400(admin, api):
    person = new_end_user(admin, firstname="Jane")
    response = raw_json(admin, "PUT", f"/api/EndUsers/{person['endUserID']}", '{"lastname": "\\udfff"}')
    assert errors_of(response) == {"lastname": [SURROGATE]}
    assert admin.get(f"/api/EndUsers/{person['endUserID']}").get_json()["lastname"] is None
    login = raw_json(api(), "POST", "/api/Auth/login", '{"email": "a\\ud800@example.com", "password": "x"}')
    assert SURROGATE in errors_of(login)["email"]


def test_a_lone_surrogate_in_a_bulk_item_names_the_item_and_creates_nothing(admin):
    action = make(admin, "/api/Actions", name="Close it", actionType="Close")["actionID"]
    body = (f'[{{"specialTopic": "Fallback", "actionID": {action}}}, '
            f'{{"specialTopic": "a\\ud800", "actionID": {action}}}]')
    response = raw_json(admin, "POST", "/api/TopicActions/bulk", body)
    assert errors_of(response) == {"[1].specialTopic": [SURROGATE]}
    assert admin.get("/api/TopicActions").get_json()["totalCount"] == 0


@pytest.mark.parametrize("path", ["/api/EndUsers?search=%ED%A0%80", "/api/EndUsers/byUid?uid=%ED%A0%80",
                                  "/api/Actions?search=%ED%A0%80", "/api/Actions?search=%FF%FE"])
def test_invalid_utf8_in_a_query_string_is_read_as_replacement_characters(admin, path):
    """Werkzeug decodes invalid UTF-8 in a query string as U+FFFD: no surrogate gets through, the
    value simply matches nothing."""
    new_end_user(admin, firstname="Jane")
    response = admin.get(path)
    assert response.status_code == 200
    body = response.get_json()
    assert (body if isinstance(body, list) else body["items"]) == []


def test_invalid_utf8_in_a_dashboard_search_is_no_error(dashboard, tenant_a):
    page = dashboard(tenant_a.agent).get("/end-users/?search=%ED%A0%80")
    assert page.status_code == 200
