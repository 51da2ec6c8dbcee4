"""The pipeline page, "Try a message" and an action's "Preview request", through the test client."""
import re

import pytest
from flask import url_for

from tests.pipeline_world import OVERRIDE_PASSWORD, TOKEN, build_world
from tests.tenant_data import snapshot


@pytest.fixture
def world(api, tenant_a):
    return build_world(api(tenant_a.admin))


@pytest.fixture
def web(dashboard, tenant_a):
    return dashboard(tenant_a.admin)


def _step_names(html: str, stage_id: str) -> list[str]:
    start = html.index(f'id="stage-{stage_id}"')
    end = html.index("</ol>", start)  # the end of the stage's own list of steps
    return re.findall(r'class="step-name" href="[^"]+">([^<]+)</a>', html[start:end])


def test_the_picture_shows_each_stage_in_platform_order_with_the_merged_run_order(app, web, world):
    html = web.get(f"/pipeline/?channel={world['mail']}").get_data(as_text=True)
    stages = re.findall(r'data-stage="([^"]+)"', html)
    assert stages[:3] == ["PreSpam", "PostSpam", "PostTopicDetection"]
    assert stages.index("Billing") < stages.index("OnEscalate") < stages.index("PostEscalate") \
        < stages.index("OnEscalateFailed") < stages.index("OnClose") < stages.index("OnEndUserAdd") < stages.index("OnPhonePickup")
    assert html.index("Spam check") < html.index('data-stage="PostSpam"') < html.index("Topic detection")
    assert _step_names(html, "hook-PostTopicDetection") == ["Basic call", "Wait 30", "Update CRM", "Forward billing", "Switched off"]
    post = html[html.index('id="stage-hook-PostTopicDetection"'):html.index('id="stage-hook-PostTopicDetection"') + 6000]
    assert "Total wait: <strong>30 s</strong>" in post and "+30 s" in post
    assert re.search(f'class="step dimmed" data-action-id="{world["off"]}"', html)
    assert _step_names(html, f"topic-{world['billing']}") == ["Close it", "Forward billing"]
    with app.test_request_context():
        edit = url_for("actions.edit", action_id=world["crm"])
        order = url_for("actions.order", kind="hook", hook="PostTopicDetection", channel=world["mail"])
        topic_order = url_for("actions.order", kind="topic", topic=world["billing"], channel=world["mail"])
    assert f'href="{edit}"' in html and f'href="{order}"'.replace("&", "&amp;") in html
    assert f'href="{topic_order}"'.replace("&", "&amp;") in html


def test_another_channel_shows_its_own_links_only(web, world):
    html = web.get(f"/pipeline/?channel={world['chat']}").get_data(as_text=True)
    assert _step_names(html, "hook-PostTopicDetection") == ["Close it", "Wait 30", "Forward billing"]


def test_agents_and_other_tenants_do_not_see_it(dashboard, tenant_a, tenant_b, world):
    assert dashboard(tenant_a.agent).get("/pipeline/").status_code == 403
    assert dashboard(tenant_b.admin).get(f"/pipeline/?channel={world['mail']}").status_code == 404


def test_try_a_message_renders_the_steps_with_the_outbound_request(app, web, world, tenant_a):
    web.get("/pipeline/")
    before = snapshot(app, tenant_a.id)
    response = web.post("/pipeline/try", htmx=True, data={
        "channelID": world["mail"], "topicIDs-0": world["billing"], "endUserID": world["person"],
        "message-subject": "Invoice 7", "message-body": "Where is my invoice?", "at": "2026-12-02T10:00"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="try-panel"' in html
    assert "PUT https://crm.example.com/api/customers/CRM-42" in html
    assert "Authorization: Bearer ****1234" in html
    assert "&#34;subject&#34;: &#34;Invoice 7&#34;" in html or '"subject": "Invoice 7"' in html
    assert "<details class=\"dry-request\">" in html
    assert "Forward to: billing@example.com, boss@example.com" in html
    assert TOKEN not in html and OVERRIDE_PASSWORD not in html
    assert snapshot(app, tenant_a.id) == before


def test_try_a_message_keeps_what_was_typed_and_marks_errors(web, world):
    web.get("/pipeline/")
    response = web.post("/pipeline/try", htmx=True, data={"channelID": "", "message-subject": "Kept subject"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Choose a channel." in html and 'value="Kept subject"' in html


def test_try_a_message_with_another_tenants_end_user_is_404(dashboard, tenant_b, world, api):
    web = dashboard(tenant_b.admin)
    channel = api(tenant_b.admin).post("/api/Channels", json={"name": "B", "channelType": "Chat"}).get_json()["channelID"]
    web.get("/pipeline/")
    response = web.post("/pipeline/try", htmx=True, data={"channelID": channel, "endUserID": world["person"]})
    assert response.status_code == 404


def test_the_end_user_picker_searches(web, world):
    web.get("/pipeline/")
    html = web.get("/pipeline/end-users?q=lovelace", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert f'name="endUserID" value="{world["person"]}"' in html and "Ada Lovelace" in html
    assert "Nobody matches" in web.get("/pipeline/end-users?q=zzzz").get_data(as_text=True)


def test_preview_request_on_the_action_form(app, web, world, tenant_a):
    page = web.get(f"/actions/{world['crm']}/edit").get_data(as_text=True)
    assert "Preview request" in page
    before = snapshot(app, tenant_a.id)
    response = web.post(f"/actions/{world['crm']}/preview", htmx=True, data={
        "channelID": world["mail"], "endUserID": world["person"], "message-subject": "Hi"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "PUT https://crm.example.com/api/customers/CRM-42" in html and "Bearer ****1234" in html
    assert "Update CRM" in html and TOKEN not in html
    assert snapshot(app, tenant_a.id) == before


def test_special_topics_are_drawn_with_the_topics(api, tenant_a, web, world):
    admin = api(tenant_a.admin)
    assert admin.post("/api/TopicActions", json={"specialTopic": "NoTopicFound", "actionID": world["forward"]}).status_code == 201
    assert admin.post("/api/TopicActions", json={"specialTopic": "NoTopicFound", "channelID": world["mail"],
                                                 "actionID": world["close"], "priority": 5}).status_code == 201
    html = web.get(f"/pipeline/?channel={world['mail']}").get_data(as_text=True)
    assert _step_names(html, "special-NoTopicFound") == ["Close it", "Forward billing"]
    assert 'href="/actions/order#list-topic-t-stNoTopicFound-c-sc"' in html
    order = web.get("/actions/order").get_data(as_text=True)
    assert 'id="list-topic-t-stNoTopicFound-c-sc"' in order


def test_try_a_message_without_javascript_answers_the_whole_page(web, world):
    web.get("/pipeline/")
    response = web.post("/pipeline/try", data={"channelID": world["mail"], "message-subject": "Plain post"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="pipeline-picture"' in html and 'class="dry-list"' in html
    response = web.post("/pipeline/try", data={"channelID": ""})
    assert response.status_code == 400 and "Choose a channel." in response.get_data(as_text=True)
    assert 'id="pipeline-picture"' in response.get_data(as_text=True)
