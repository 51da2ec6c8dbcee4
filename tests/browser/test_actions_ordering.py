"""The ordering screen in real Chromium: drag with the mouse, and reorder with the keyboard alone."""
import pytest
from playwright.sync_api import expect


@pytest.fixture
def hook_list(api, tenant_a):
    admin = api(tenant_a.admin)
    names = ["First step", "Second step", "Third step"]
    for name in names:
        action = admin.post("/api/Actions", json={"name": name, "actionType": "Close"}).get_json()["actionID"]
        assert admin.post("/api/HookActions", json={"hookName": "OnEscalate", "actionID": action}).status_code == 201
    wait = admin.post("/api/Actions", json={"name": "Pause", "actionType": "Wait", "waitSeconds": 12}).get_json()["actionID"]
    return {"names": names, "wait": wait}


def _panel(page):
    return page.locator(".order-panel", has=page.get_by_role("heading", name="Hook OnEscalate · every channel"))


def _names(panel):
    return panel.locator(".order-row .name").all_inner_texts()


def test_drag_the_third_action_to_the_top(page, live_server, login, tenant_a, hook_list):
    login(page, tenant_a.admin)
    page.goto(f"{live_server}/actions/order")
    panel = _panel(page)
    expect(panel.locator(".order-row")).to_have_count(3)
    expect(panel.locator(".wait-total")).to_contain_text("0 s")

    handle = panel.locator(".order-row").nth(2).locator(".drag-handle").bounding_box()
    first = panel.locator(".order-row").nth(0).bounding_box()
    page.mouse.move(handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2)
    page.mouse.down()
    x = handle["x"] + handle["width"] / 2
    for y in (handle["y"] - 5, first["y"] + first["height"] / 2, first["y"] + 3):
        page.mouse.move(x, y, steps=10)
        page.wait_for_timeout(100)
    page.mouse.up()

    expect(page.locator(".toast-success")).to_contain_text("Order saved")
    expect(panel.locator(".order-row .name").first).to_have_text("Third step")
    page.reload()
    assert _names(_panel(page)) == ["Third step", "First step", "Second step"]

    # adding a Wait appends it and the total wait time follows
    _panel(page).get_by_label("Add action").select_option(label="Pause (Wait)")
    _panel(page).get_by_role("button", name="Add at the end").click()
    expect(_panel(page).locator(".wait-total")).to_contain_text("12 s")
    assert _names(_panel(page))[-1] == "Pause"


def _settled(page):
    """No htmx request, swap or settle in flight: the next key press lands on the new list."""
    expect(page.locator(".htmx-request, .htmx-swapping, .htmx-settling")).to_have_count(0)


def test_reorder_with_the_keyboard_only(page, live_server, login, tenant_a, hook_list):
    login(page, tenant_a.admin)
    page.goto(f"{live_server}/actions/order")
    panel = _panel(page)
    panel.get_by_role("button", name="Move up: Third step").focus()
    _settled(page)
    page.keyboard.press("Enter")
    expect(panel.locator(".order-row .name").nth(1)).to_have_text("Third step")
    # focus stays on the moved row's button, so Enter again moves it once more
    expect(panel.get_by_role("button", name="Move up: Third step")).to_be_focused()
    _settled(page)
    page.keyboard.press("Enter")
    expect(panel.locator(".order-row .name").first).to_have_text("Third step")
    expect(page.locator(".toast-success").last).to_contain_text("Order saved")
    # at the top Move up is disabled: the focus goes to the row's handle, never to Move down, so a
    # third Enter cannot move it back; the move was announced with the row's new place
    expect(panel.get_by_role("button", name="Reorder Third step, 1 of 3")).to_be_focused()
    expect(page.locator("#toasts")).to_contain_text("Third step is now 1 of 3")
    _settled(page)
    page.keyboard.press("Enter")  # a handle has nothing to do on Enter
    _settled(page)
    assert _names(panel)[0] == "Third step"
    panel.get_by_role("button", name="Move down: First step").focus()
    expect(panel.get_by_role("button", name="Move down: First step")).to_be_focused()
    _settled(page)
    page.keyboard.press("Space")
    expect(panel.locator(".order-row .name").nth(2)).to_have_text("First step")

    page.reload()
    assert _names(_panel(page)) == ["Third step", "Second step", "First step"]


def test_two_tabs_reorder_the_same_list_the_stale_one_gets_the_banner(page, live_server, login, tenant_a, hook_list):
    login(page, tenant_a.admin)
    page.goto(f"{live_server}/actions/order")
    second = page.context.new_page()  # the same session in another tab, opened on the same list
    second.goto(f"{live_server}/actions/order")

    _panel(page).get_by_role("button", name="Move up: Third step").click()
    expect(_panel(page).locator(".order-row .name").nth(1)).to_have_text("Third step")
    expect(page.locator(".toast-success").last).to_contain_text("Order saved")

    _panel(second).get_by_role("button", name="Move down: First step").click()  # still shows the old order
    expect(_panel(second).get_by_role("alert")).to_contain_text("Someone else changed this list meanwhile")
    expect(second.locator(".toast-error").last).to_contain_text("nothing saved")
    assert _names(_panel(second)) == ["First step", "Third step", "Second step"]  # reloaded: the first tab's order

    page.reload()
    assert _names(_panel(page)) == ["First step", "Third step", "Second step"]  # the first change is not lost

    # the list's History names the one reorder, by the actions' names
    history = _panel(page).locator("details.list-history")
    history.locator("summary").click()
    expect(history.locator("li").first).to_contain_text("Reorder")
    expect(history.locator("li").first).to_contain_text("1. First step, 2. Third step, 3. Second step")
    expect(history.locator("li", has_text="Reorder")).to_have_count(1)


def test_the_handle_moves_its_row_with_the_arrow_keys_and_keeps_the_focus(page, live_server, login, tenant_a,
                                                                          hook_list):
    login(page, tenant_a.admin)
    page.goto(f"{live_server}/actions/order")
    panel = _panel(page)
    expect(panel.locator(".order-row")).to_have_count(3)
    handle = panel.get_by_role("button", name="Reorder First step, 1 of 3")
    expect(handle).to_be_visible()
    handle.focus()
    _settled(page)
    page.keyboard.press("ArrowDown")
    expect(panel.locator(".order-row .name").nth(1)).to_have_text("First step")
    expect(panel.get_by_role("button", name="Reorder First step, 2 of 3")).to_be_focused()
    _settled(page)
    page.keyboard.press("ArrowDown")
    expect(panel.get_by_role("button", name="Reorder First step, 3 of 3")).to_be_focused()
    expect(page.locator("#toasts")).to_contain_text("First step is now 3 of 3")
    _settled(page)
    page.keyboard.press("ArrowDown")  # already the last: said, nothing sent
    expect(page.locator(".toast-info").last).to_contain_text("Already the last.")
    page.reload()
    assert _names(_panel(page)) == ["Second step", "Third step", "First step"]
