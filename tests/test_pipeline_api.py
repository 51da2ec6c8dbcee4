"""POST /api/Pipeline/dry-run: the steps in run order, what each would do, and nothing stored."""
import pytest

from tests.pipeline_world import OVERRIDE_PASSWORD, TOKEN, build_world, make
from tests.tenant_data import differences, snapshot


@pytest.fixture
def admin(api, tenant_a):
    return api(tenant_a.admin)


@pytest.fixture
def world(admin):
    return build_world(admin)


def dry_run(admin, **body):
    return admin.post("/api/Pipeline/dry-run", json=body)


def test_steps_follow_the_merged_priorities_of_channel_and_every_channel_links(admin, world):
    response = dry_run(admin, channelID=world["mail"], topicIDs=[world["billing"]],
                       message={"subject": "Invoice", "body": "Where is it?"}, at="2026-12-02T10:00:00Z")
    assert response.status_code == 200, response.get_json()
    steps = response.get_json()
    where = [(s["hookName"] or f"topic {s['topicName']}", s["actionName"], s["priority"]) for s in steps]
    assert where == [
        ("PreSpam", "Office hours only", 10),
        ("PostTopicDetection", "Basic call", 5),
        ("PostTopicDetection", "Wait 30", 10),
        ("PostTopicDetection", "Update CRM", 20),
        ("PostTopicDetection", "Forward billing", 30),
        ("PostTopicDetection", "Switched off", 30),
        ("topic Billing", "Close it", 10),
        ("topic Billing", "Forward billing", 20),
        ("OnClose", "When angry", 10),
    ]
    assert [s["everyChannel"] for s in steps[1:6]] == [False, True, False, True, False]


def test_what_each_step_would_do(admin, world):
    steps = dry_run(admin, channelID=world["mail"], topicIDs=[world["billing"]], endUserID=world["person"],
                    message={"subject": "Invoice 7", "body": "Hello"}, at="2026-12-05T10:00:00Z").get_json()  # a Saturday
    by_name = {s["actionName"]: s for s in steps}
    assert by_name["Switched off"]["wouldRun"] is False and "inactive" in by_name["Switched off"]["reason"]
    office = by_name["Office hours only"]
    assert office["wouldRun"] is False and "Outside its schedule" in office["reason"] and "Europe/Brussels" in office["reason"]
    assert by_name["When angry"]["wouldRun"] is None and "cannot" in by_name["When angry"]["reason"]
    assert by_name["Wait 30"]["waitSeconds"] == 30 and by_name["Wait 30"]["wouldRun"] is True
    assert by_name["Forward billing"]["forward"]["recipients"] == ["billing@example.com", "boss@example.com"]
    assert "billing@example.com" in by_name["Forward billing"]["reason"]
    assert by_name["Close it"]["request"] is None


def test_schedule_inside_its_window_runs(admin, world):
    steps = dry_run(admin, channelID=world["mail"], hooks=["PreSpam"], at="2026-12-02T10:00:00Z").get_json()
    assert [(s["actionName"], s["wouldRun"]) for s in steps] == [("Office hours only", True)]


def test_placeholders_are_filled_from_the_chosen_end_user_and_unknown_ones_reported(admin, world):
    steps = dry_run(admin, channelID=world["mail"], endUserID=world["person"], hooks=["PostTopicDetection"],
                    message={"subject": "Invoice 7", "body": "Hello"}).get_json()
    crm = next(s for s in steps if s["actionName"] == "Update CRM")
    request = crm["request"]
    assert request["method"] == "PUT"
    assert request["url"] == "https://crm.example.com/api/customers/CRM-42"
    assert request["body"] == '{"name": "Lovelace", "subject": "Invoice 7", "status": "Open", "x": ""}'
    assert request["unknownPlaceholders"] == ["endUser.shoeSize"]
    assert "endUser.shoeSize" in crm["reason"]
    assert request["headers"]["Accept"] == "application/json"


def test_without_an_end_user_its_placeholders_are_reported_not_a_500(admin, world):
    steps = dry_run(admin, channelID=world["mail"], hooks=["PostTopicDetection"]).get_json()
    crm = next(s for s in steps if s["actionName"] == "Update CRM")
    assert "endUser.customerRef" in crm["request"]["unknownPlaceholders"]


def test_a_template_that_does_not_parse_is_reported(admin, world):
    broken = make(admin, "/api/Actions", name="Broken", actionType="ApiCall", apiEndpoint="/x/{{ endUser. }}",
                  apiMethod="GET", apiBodyTemplate="{{ ''.__class__.__mro__ }}")["actionID"]
    make(admin, "/api/HookActions", hookName="OnEscalate", actionID=broken)
    response = dry_run(admin, channelID=world["mail"], hooks=["OnEscalate"])
    assert response.status_code == 200
    (step,) = response.get_json()
    assert step["request"]["templateErrors"] and "could not be filled" in step["reason"]


def test_no_secret_appears_anywhere(admin, world):
    response = dry_run(admin, channelID=world["mail"], topicIDs=[world["billing"]], endUserID=world["person"],
                       hooks=["PostTopicDetection"])
    text = response.get_data(as_text=True)
    for secret in (TOKEN, OVERRIDE_PASSWORD, "header-secret-abcd9999"):
        assert secret not in text
    steps = {s["actionName"]: s for s in response.get_json()}
    assert steps["Update CRM"]["request"]["headers"]["Authorization"] == "Bearer ****1234"
    assert steps["Update CRM"]["request"]["headers"]["X-Api-Key"] == "****9999"
    basic = steps["Basic call"]["request"]
    assert basic["url"] == "https://other.example.com/hook"
    assert basic["headers"]["Authorization"].startswith("Basic robot:****5555")


def test_hooks_limit_the_run_and_end_user_hooks_only_when_asked(admin, world):
    default = dry_run(admin, channelID=world["mail"]).get_json()
    assert "OnEndUserAdd" not in {s["hookName"] for s in default}
    only = dry_run(admin, channelID=world["mail"], hooks=["OnEndUserAdd", "PreSpam"]).get_json()
    assert [(s["hookName"], s["actionName"]) for s in only] == [("PreSpam", "Office hours only"), ("OnEndUserAdd", "Close it")]


def test_an_inactive_topic_or_channel_does_not_run(admin, world):
    admin.put(f"/api/Topics/{world['sleepy']}", json={"isActive": False})
    steps = dry_run(admin, channelID=world["mail"], topicIDs=[world["sleepy"]], hooks=["PreSpam"]).get_json()
    sleepy = next(s for s in steps if s["topicName"] == "Sleepy")
    assert sleepy["wouldRun"] is False and "Sleepy is inactive" in sleepy["reason"]


def test_bad_bodies_are_problem_400s(admin, world):
    for body, field in (({}, "channelID"), ({"channelID": "1"}, "channelID"), ({"channelID": world["mail"], "topicIDs": "x"}, "topicIDs"),
                        ({"channelID": world["mail"], "hooks": ["Nope"]}, "hooks[0]"),
                        ({"channelID": world["mail"], "message": {"subject": 5}}, "message.subject"),
                        ({"channelID": world["mail"], "extra": 1}, "extra"),
                        ({"channelID": world["mail"], "at": "yesterday"}, "at")):
        response = admin.post("/api/Pipeline/dry-run", json=body)
        assert response.status_code == 400, (body, response.get_json())
        assert response.mimetype == "application/problem+json"
        assert field in response.get_json()["errors"], (body, response.get_json())


def test_another_tenants_channel_topic_or_end_user_is_404(admin, api, world, tenant_b):
    other = api(tenant_b.admin)
    for body in ({"channelID": world["mail"]},
                 {"channelID": make(other, "/api/Channels", name="B mail", channelType="Email")["channelID"],
                  "topicIDs": [world["billing"]]}):
        response = other.post("/api/Pipeline/dry-run", json=body)
        assert response.status_code == 404 and response.mimetype == "application/problem+json"
    own_channel = other.get("/api/Channels").get_json()
    channel = (own_channel["items"] if isinstance(own_channel, dict) else own_channel)[0]["channelID"]
    response = other.post("/api/Pipeline/dry-run", json={"channelID": channel, "endUserID": world["person"]})
    assert response.status_code == 404


def test_agents_may_not_dry_run(api, tenant_a, world):
    assert api(tenant_a.agent).post("/api/Pipeline/dry-run", json={"channelID": world["mail"]}).status_code == 403


def test_a_dry_run_changes_no_row(app, admin, world, tenant_a):
    before = snapshot(app, tenant_a.id)
    response = dry_run(admin, channelID=world["mail"], topicIDs=[world["billing"], world["sleepy"]],
                       endUserID=world["person"], message={"subject": "s", "body": "b"},
                       hooks=["PreSpam", "PostTopicDetection", "OnClose", "OnEndUserAdd"])
    assert response.status_code == 200
    assert snapshot(app, tenant_a.id) == before, differences(before, snapshot(app, tenant_a.id))
