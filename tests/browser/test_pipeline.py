"""The pipeline picture and a dry run in real Chromium."""
import pytest
from playwright.sync_api import expect

from tests.pipeline_world import TOKEN, build_world


@pytest.fixture
def world(api, tenant_a):
    return build_world(api(tenant_a.admin))


def _steps(page, stage):
    return page.locator(f"#stage-hook-{stage} .step-name").all_inner_texts()


def test_reorder_a_hook_list_and_the_picture_follows_then_a_dry_run(page, live_server, login, tenant_a, world):
    login(page, tenant_a.admin)
    page.get_by_role("link", name="Pipeline").click()
    page.get_by_label("Channel", exact=True).first.select_option(label="Mail (Email)")
    page.get_by_role("button", name="Show").click()
    assert _steps(page, "PostTopicDetection") == ["Basic call", "Wait 30", "Update CRM", "Forward billing", "Switched off"]
    expect(page.locator("#stage-hook-PostTopicDetection .stage-wait")).to_contain_text("30 s")

    # the stage's own list, on the ordering screen: move Basic call down one place
    page.locator("#stage-hook-PostTopicDetection").get_by_role("link", name="Order this list").click()
    # a full page load: its buttons are visible before htmx (a deferred script) has bound them
    page.wait_for_load_state()
    panel = page.locator(".order-panel", has=page.get_by_role("heading", name="Hook PostTopicDetection · Mail"))
    panel.get_by_role("button", name="Move down: Basic call").click()
    expect(panel.locator(".order-row .name").nth(1)).to_have_text("Basic call")
    expect(page.locator(".toast-success").last).to_contain_text("Order saved")
    page.go_back()
    page.reload()
    # Mail's list is now Update CRM 10, Basic call 20, Switched off 30; on ties the every-channel link runs first
    assert _steps(page, "PostTopicDetection") == ["Wait 30", "Update CRM", "Basic call", "Forward billing", "Switched off"]

    # Try a message: an end user picked by search, a topic, a subject
    panel = page.locator("#try-panel")
    panel.get_by_label("Search end users").fill("lovelace")
    panel.get_by_label("Ada Lovelace").check()
    panel.get_by_label("Billing").check()
    panel.get_by_label("Subject").fill("Invoice 7")
    panel.get_by_role("button", name="Run the dry run").click()
    step = page.locator(".dry-step", has=page.get_by_role("link", name="Update CRM"))
    expect(step).to_contain_text("Would run")
    request = step.locator("details.dry-request")
    expect(request.locator("pre")).not_to_be_visible()
    request.locator("summary").click()
    expect(request.locator("pre")).to_be_visible()
    expect(request.locator("pre")).to_contain_text("PUT https://crm.example.com/api/customers/CRM-42")
    expect(request.locator("pre")).to_contain_text("Authorization: Bearer ****1234")
    expect(request.locator("pre")).to_contain_text('"subject": "Invoice 7"')
    expect(page.locator(".dry-step", has=page.get_by_role("link", name="Switched off"))).to_contain_text("Would not run")
    assert TOKEN not in page.content()


def test_readable_at_390_px(page, live_server, login, tenant_a, world):
    login(page, tenant_a.admin)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server}/pipeline/?channel={world['mail']}")
    expect(page.locator("#stage-hook-PostTopicDetection")).to_be_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow} px at 390 px"
    box = page.locator("#try-panel").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
