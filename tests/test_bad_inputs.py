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


# ---- 2. Bounded lists ------------------------------------------------------------------------

def test_the_openapi_document_publishes_the_list_bounds(client):
    document = client.get("/api/openapi.json").get_json()
    schemas = document["components"]["schemas"]
    assert schemas["EndUserCreateForm"]["properties"]["uids"]["maxItems"] == 50
    assert schemas["EndUserUpdateFormPartial"]["properties"]["uids"]["maxItems"] == 50
    for kind in ("TopicActions", "HookActions"):
        body = document["paths"][f"/api/{kind}/reorder"]["post"]["requestBody"]["content"]["application/json"]["schema"]
        assert body["properties"]["ids"]["maxItems"] == 1000


@pytest.mark.parametrize("kind", ["TopicActions", "HookActions"])
@pytest.mark.parametrize("count", [1001, 70_000])
def test_a_reorder_over_1000_ids_is_400_and_changes_nothing(admin, kind, count):
    actions = [make(admin, "/api/Actions", name=f"Action {i}", actionType="Close")["actionID"] for i in range(2)]
    place = {"hookName": "OnClose"} if kind == "HookActions" else {"specialTopic": "Fallback"}
    links = [make(admin, f"/api/{kind}", actionID=a, **place) for a in actions]
    id_field = "hookActionID" if kind == "HookActions" else "topicActionID"
    ids = [link[id_field] for link in links]
    ids += [max(ids) + n for n in range(1, count - len(ids) + 1)]
    response = admin.post(f"/api/{kind}/reorder", json={"ids": ids[::-1]})
    assert errors_of(response) == {"ids": ["At most 1000 items."]}
    after = [admin.get(f"/api/{kind}/{ident}").get_json()["priority"] for ident in ids[:2]]
    assert after == [link["priority"] for link in links]
    at_the_bound = admin.post(f"/api/{kind}/reorder", json={"ids": ids[:1000]})
    assert at_the_bound.status_code == 409  # 1000 ids pass the schema; they are just not the list's members


def uid_rows(count: int) -> list[dict]:
    return [{"uidType": "Email", "uid": f"person{i}@example.com"} for i in range(count)]


def test_at_most_50_identifiers_per_request(admin):
    response = admin.post("/api/EndUsers", json={"firstname": "Many", "uids": uid_rows(51)})
    assert errors_of(response) == {"uids": ["At most 50 items."]}
    assert count_end_users(admin) == 0
    huge = admin.post("/api/EndUsers", json={"firstname": "Many", "uids": uid_rows(10_000)})
    assert errors_of(huge)["uids"] == ["At most 50 items."]
    assert count_end_users(admin) == 0

    person = new_end_user(admin, firstname="Fifty", uids=uid_rows(50))
    assert len(person["uids"]) == 50
    more = admin.put(f"/api/EndUsers/{person['endUserID']}", json={"uids": uid_rows(51)})
    assert errors_of(more) == {"uids": ["At most 50 items."]}
    assert len(admin.get(f"/api/EndUsers/{person['endUserID']}").get_json()["uids"]) == 50


def test_the_dashboard_form_has_the_same_bound(dashboard, tenant_a, in_app):
    session = dashboard(tenant_a.agent)
    session.get("/end-users/new")
    data = {"firstname": "Many", "customerType": "Lead"}
    for i, row in enumerate(uid_rows(51)):
        data[f"uids-{i}-uidType"], data[f"uids-{i}-uid"] = row["uidType"], row["uid"]
    page = session.post("/end-users/new", data=data)
    assert page.status_code == 400
    assert "At most 50 identifiers per request." in page.get_data(as_text=True)
    with in_app() as db_session:
        assert db_session.scalar(select(func.count()).select_from(EndUserUID)) == 0


# ---- 3. LIKE wildcards in the action search ----------------------------------------------

def test_percent_and_underscore_in_the_action_search_match_literally(admin):
    for name in ("50% off", "Plain"):
        make(admin, "/api/Actions", name=name, actionType="Close")

    def names(term):
        response = admin.get("/api/Actions", query_string={"search": term})
        assert response.status_code == 200
        return [a["name"] for a in response.get_json()["items"]]

    assert names("%") == ["50% off"]
    assert names("0% O") == ["50% off"]
    assert names("_") == []
    make(admin, "/api/Actions", name="snake_case", actionType="Close")
    assert names("_") == ["snake_case"]
    assert names("e_c") == ["snake_case"]


# ---- 4. E-mail identifiers in their normalised form --------------------------------------

def test_nfc_and_nfd_spellings_are_one_identifier(admin, in_app):
    first = new_end_user(admin, firstname="José", uids=[{"uid": NFD}])
    assert first["uids"][0]["uid"] == NFC  # stored in NFC
    other = admin.post("/api/EndUsers", json={"firstname": "Other", "uids": [{"uid": NFC}]})
    assert "uids[0].uid" in errors_of(other, 409)
    assert count_end_users(admin) == 1

    again = admin.put(f"/api/EndUsers/{first['endUserID']}", json={"uids": [{"uid": NFD}]})
    assert again.status_code == 204
    assert [u["uid"] for u in admin.get(f"/api/EndUsers/{first['endUserID']}").get_json()["uids"]] == [NFC]
    with in_app() as session:
        assert session.scalar(select(func.count()).select_from(EndUserUID)) == 1


@pytest.mark.parametrize("stored, other", [(U_LABEL, A_LABEL), (A_LABEL, U_LABEL)])
def test_a_domain_as_u_label_and_as_a_label_is_one_identifier(admin, stored, other):
    person = new_end_user(admin, firstname="Ana", uids=[{"uid": stored}])
    assert person["uids"][0]["uid"] == U_LABEL  # email-validator's normalised form: the U-label
    clash = admin.post("/api/EndUsers", json={"firstname": "Other", "uids": [{"uid": other.upper()}]})
    assert list(errors_of(clash, 409)) == ["uids[0].uid"]
    assert clash.get_json()["conflicts"][0]["endUserID"] == person["endUserID"]
    assign = admin.post("/api/EndUserUIDs/assign", json={"endUserID": person["endUserID"], "uid": other})
    assert assign.status_code == 200 and assign.get_json()["uid"] == U_LABEL
    assert count_end_users(admin) == 1


@pytest.mark.parametrize("typed", [NFD, NFC.upper(), "ANA@XN--BCHER-KVA.EXAMPLE", U_LABEL])
def test_lookups_and_search_normalise_the_typed_address(admin, dashboard, tenant_a, typed):
    jose = new_end_user(admin, firstname="José", uids=[{"uid": NFC}])["endUserID"]
    ana = new_end_user(admin, firstname="Ana", uids=[{"uid": A_LABEL}])["endUserID"]
    expected = jose if "@example.com" in typed.lower() else ana

    by_uid = admin.get("/api/EndUsers/byUid", query_string={"uid": typed})
    assert [u["endUserID"] for u in by_uid.get_json()] == [expected]
    search = admin.get("/api/EndUsers", query_string={"search": typed})
    assert [u["endUserID"] for u in search.get_json()["items"]] == [expected]
    lookup = dashboard(tenant_a.agent).get("/end-users/lookup", query_string={"q": typed})
    assert lookup.status_code == 302 and lookup.headers["Location"].endswith(f"/end-users/{expected}")


def test_tickets_match_whichever_spelling_they_carry(admin, tenant_a, in_app):
    ana = new_end_user(admin, firstname="Ana", uids=[{"uid": U_LABEL}])["endUserID"]
    with in_app() as session:
        channel = Channel(customer_id=tenant_a.id, name="Mail", channel_type="Email")
        session.add(channel)
        session.flush()
        for spelling in (A_LABEL, U_LABEL.upper(), unicodedata.normalize("NFD", U_LABEL), "someone@example.com"):
            session.add(Ticket(customer_id=tenant_a.id, channel_id=channel.id, uid=spelling, subject=spelling))
        session.commit()
    history = admin.get(f"/api/EndUsers/{ana}/tickets").get_json()
    assert history["totalCount"] == 3
    only = admin.get(f"/api/EndUsers/{ana}/tickets", query_string={"uid": A_LABEL}).get_json()
    assert only["totalCount"] == 3


# ---- 5. Remove and add the same identifier in one request --------------------------------

def test_removing_and_re_adding_an_identifier_in_one_put_keeps_it_with_the_new_spelling(admin):
    person = new_end_user(admin, firstname="Ann", uids=[{"uidType": "Email", "uid": "a@x.com"}])
    old = person["uids"][0]
    response = admin.put(f"/api/EndUsers/{person['endUserID']}", json={"uids": [
        {"endUserUIDID": old["endUserUIDID"], "uidType": "Email", "uid": "a@x.com", "markAsDeleted": True},
        {"uidType": "Email", "uid": "A@X.com"},
    ]})
    assert response.status_code == 204
    uids = admin.get(f"/api/EndUsers/{person['endUserID']}").get_json()["uids"]
    assert [(u["endUserUIDID"], u["uidType"], u["uid"], u["isPrimary"]) for u in uids] == [
        (old["endUserUIDID"], "Email", "A@x.com", True)]  # updated in place; the domain normalised


# ---- 6. One e-mail rule for representatives ----------------------------------------------

def test_the_cli_refuses_an_address_that_could_never_sign_in(app, api, in_app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-customer", "--name", "Alpha", "--admin-email", "a@alpha.test",
                                 "--admin-password", "pw-123456"])
    assert result.exit_code != 0
    assert "Not a valid e-mail address: a@alpha.test" in result.output
    with in_app() as session:
        assert session.scalar(select(func.count()).select_from(Customer)) == 0

    created = runner.invoke(args=["create-customer", "--name", "Alpha", "--admin-email", "boss@alpha.example.com",
                                  "--admin-password", "pw-123456"])
    assert created.exit_code == 0, created.output
    customer_id = json.loads(created.output.strip().splitlines()[-1])["customerID"]
    agent = runner.invoke(args=["create-representative", "--customer-id", str(customer_id), "--email", "agent@x.local",
                                "--password", "pw-654321"])
    assert agent.exit_code != 0 and "Not a valid e-mail address: agent@x.local" in agent.output
    with in_app() as session:
        assert session.scalar(select(func.count()).select_from(Representative)) == 1

    login = api().post("/api/Auth/login", json={"email": "a@alpha.test", "password": "pw-123456"})
    assert "Not a valid e-mail address" in errors_of(login)["email"][0]


def test_a_cli_created_admin_signs_in_with_any_spelling_of_the_address(app, api):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-customer", "--name", "Bücher", "--admin-email", " Boss@Bücher.Example.com ",
                                 "--admin-password", "pw-123456"])
    assert result.exit_code == 0, result.output
    ids = json.loads(result.output.strip().splitlines()[-1])
    for spelling in ("Boss@Bücher.Example.com", "boss@xn--bcher-kva.example.com"):
        login = api().post("/api/Auth/login", json={"email": spelling, "password": "pw-123456"})
        assert login.status_code == 200, (spelling, login.get_json())
        assert login.get_json()["representativeID"] == ids["representativeID"]
        assert login.get_json()["roles"] == ["Admin"]
