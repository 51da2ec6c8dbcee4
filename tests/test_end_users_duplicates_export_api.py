"""Duplicate suggestions and the CSV export."""
import csv
import io

import pytest


@pytest.fixture
def client_a(api, tenant_a):
    return api(tenant_a.admin)


def create(client, **fields):
    response = client.post("/api/EndUsers", json=fields)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["endUserID"]


# ---- Duplicates -------------------------------------------------------------------------------

@pytest.fixture
def people(client_a):
    return {
        "phone": create(client_a, firstname="Piet", uids=[{"uidType": "Phone", "uid": "0470 12 34 56"}]),
        "whatsapp": create(client_a, firstname="P.", uids=[{"uidType": "WhatsApp", "uid": "+32470123456"}]),
        "mobile": create(client_a, firstname="Pieter", uids=[{"uidType": "Mobile", "uid": "+32 470 12 34 56"}]),
        "janssens": create(client_a, firstname="Jan", lastname="Janssens", company="Acme"),
        "jansens": create(client_a, firstname="Jan", lastname="Jansens", company="Acme"),
        "peeters": create(client_a, firstname="Jan", lastname="Peeters", company="Acme"),
        "elsewhere": create(client_a, firstname="Jan", lastname="Janssens", company="Other Ltd"),
        "mail1": create(client_a, firstname="Marie", lastname="Claes", uids=[{"uid": "marie.claes@gmail.com"}]),
        "mail2": create(client_a, firstname="Marie", lastname="Klaes", uids=[{"uid": "marie.claes@work.example"}]),
    }


def _suggested(client, ident):
    response = client.get(f"/api/EndUsers/{ident}/duplicates")
    assert response.status_code == 200, response.get_json()
    return {item["endUser"]["endUserID"]: item for item in response.get_json()["items"]}


def test_the_same_number_as_phone_and_whatsapp(client_a, people):
    found = _suggested(client_a, people["phone"])
    assert set(found) == {people["whatsapp"], people["mobile"]}
    assert found[people["whatsapp"]]["score"] == 1.0
    assert "+32470123456" in found[people["whatsapp"]]["reason"] and "WhatsApp" in found[people["whatsapp"]]["reason"]


def test_similar_names_at_the_same_company_or_mail_name(client_a, people):
    found = _suggested(client_a, people["janssens"])
    assert set(found) == {people["jansens"]}  # not Peeters (other name), not the namesake elsewhere
    assert "Acme" in found[people["jansens"]]["reason"] and 0.88 <= found[people["jansens"]]["score"] < 1
    assert set(_suggested(client_a, people["mail1"])) == {people["mail2"]}


def test_a_dismissed_pair_is_never_suggested_again(client_a, people, in_app, tenant_a):
    a, b = people["janssens"], people["jansens"]
    assert client_a.post(f"/api/EndUsers/{b}/duplicates/{a}/dismiss").status_code == 204
    assert _suggested(client_a, a) == {} and _suggested(client_a, b) == {}
    assert client_a.post(f"/api/EndUsers/{a}/duplicates/{b}/dismiss").status_code == 204  # again: no harm


def test_tenant_wide_pairs(app, people, tenant_a):
    from app.end_users.duplicates import tenant_duplicates

    with app.app_context():
        pairs = {s.pair: s for s in tenant_duplicates(tenant_a.id)}
    expected = {tuple(sorted((people[x], people[y]))) for x, y in (
        ("phone", "whatsapp"), ("phone", "mobile"), ("whatsapp", "mobile"), ("janssens", "jansens"), ("mail1", "mail2"))}
    assert set(pairs) == expected


def test_duplicates_of_another_tenant_are_404(api, tenant_b, people):
    other = api(tenant_b.admin)
    assert other.get(f"/api/EndUsers/{people['phone']}/duplicates").status_code == 404
    mine = create(other, firstname="Bob")
    assert other.post(f"/api/EndUsers/{mine}/duplicates/{people['phone']}/dismiss").status_code == 404


# ---- Export ---------------------------------------------------------------------------------

def _rows(response):
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def test_export_has_identifiers_in_their_columns(client_a):
    create(client_a, firstname="Jane", lastname="Doe", customerType="Customer", uids=[
        {"uid": "jane@example.com", "isPrimary": True}, {"uid": "j.doe@example.com"},
        {"uidType": "Phone", "uid": "+32470123456"}, {"uidType": "WhatsApp", "uid": "+32470123457"},
        {"uidType": "Ticket", "uid": "T-1"}])
    [row] = _rows(client_a.get("/api/EndUsers/export"))
    assert (row["firstname"], row["lastname"], row["customerType"]) == ("Jane", "Doe", "Customer")
    assert row["email"] == "jane@example.com; j.doe@example.com"
    assert (row["phone"], row["whatsapp"], row["uids"]) == ("'+32470123456", "'+32470123457", "Ticket:T-1")


@pytest.mark.parametrize("value", ["=HYPERLINK(\"http://evil\")", "+1+1", "-2+3", "@SUM(A1)"])
def test_export_escapes_formulas(client_a, value):
    create(client_a, firstname=value, lastname="Doe", otherContactDetails=f"{value}\nsecond line")
    [row] = _rows(client_a.get("/api/EndUsers/export"))
    assert row["firstname"] == "'" + value
    assert row["otherContactDetails"] == f"'{value}\nsecond line"
    assert row["lastname"] == "Doe"


@pytest.mark.parametrize("value", ["\t=1+1", "\r=1+1"])
def test_export_escapes_a_leading_tab_or_carriage_return(client_a, tenant_a, in_app, value):
    """The forms trim them away; a row written by other means (an import, the platform) may hold them."""
    from app.end_users.models import EndUser

    with in_app() as session:
        session.add(EndUser(customer_id=tenant_a.id, firstname="X", company=value))
        session.commit()
    [row] = _rows(client_a.get("/api/EndUsers/export"))
    assert row["company"].startswith("'") and row["company"][1:].lstrip("\r\n\t") == "=1+1"


def test_export_honours_the_list_filters_and_sort(client_a, api, tenant_b):
    create(client_a, firstname="Ann", lastname="Zed", customerType="Customer")
    create(client_a, firstname="Bob", lastname="Young", customerType="Lead")
    create(client_a, firstname="Cas", lastname="Xavier", customerType="Customer")
    create(api(tenant_b.admin), firstname="Other", customerType="Customer")
    rows = _rows(client_a.get("/api/EndUsers/export?customerType=Customer&sortBy=lastname"))
    assert [r["lastname"] for r in rows] == ["Xavier", "Zed"]
    rows = _rows(client_a.get("/api/EndUsers/export?search=bob"))
    assert [r["firstname"] for r in rows] == ["Bob"]
    rows = _rows(client_a.get("/api/EndUsers/export?sortBy=firstname&sortOrder=desc&pageSize=1"))
    assert [r["firstname"] for r in rows] == ["Cas", "Bob", "Ann"]  # paging is ignored: every row
    assert client_a.get("/api/EndUsers/export?sortBy=shoe").status_code == 400
    assert client_a.get("/api/EndUsers/export?customerType=Alien").status_code == 400


def test_export_needs_a_token(api):
    assert api().get("/api/EndUsers/export").status_code == 401
