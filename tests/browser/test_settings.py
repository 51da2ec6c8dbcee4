"""Settings in real Chromium: conditional e-mail fields with an error and a fix, write-only secrets."""
from playwright.sync_api import expect


def test_switch_to_imap_smtp_fix_a_bad_port_and_find_the_values_stored(page, live_server, login, tenant_a):
    login(page, tenant_a.admin)
    page.goto(f"{live_server}/settings/email")
    expect(page.get_by_label("SMTP port")).to_have_count(0)

    page.get_by_label("E-mail provider").select_option("ImapSmtp")
    expect(page.get_by_label("SMTP port")).to_be_visible()
    expect(page.get_by_label("IMAP server")).to_be_visible()
    expect(page.get_by_label("Graph tenant ID")).to_have_count(0)

    page.get_by_label("IMAP server").fill("imap.example.com")
    page.get_by_label("IMAP port").fill("993")
    page.get_by_label("SMTP server").fill("smtp.example.com")
    page.get_by_label("SMTP port").fill("70000")
    page.get_by_role("button", name="Save").click()

    errors = page.locator("#field-smtpPort .errors")
    expect(errors).to_contain_text("between 1 and 65535")
    expect(page.get_by_label("IMAP server")).to_have_value("imap.example.com")
    expect(page.get_by_label("IMAP port")).to_have_value("993")
    expect(page.get_by_label("SMTP server")).to_have_value("smtp.example.com")
    expect(page.get_by_label("SMTP port")).to_have_value("70000")
    expect(page.get_by_label("E-mail provider")).to_have_value("ImapSmtp")

    page.get_by_label("SMTP port").fill("587")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#toasts .toast-success")).to_contain_text("E-mail provider saved.")
    expect(page.locator("#field-smtpPort .errors")).to_have_count(0)

    page.reload()
    expect(page.get_by_label("E-mail provider")).to_have_value("ImapSmtp")
    expect(page.get_by_label("IMAP server")).to_have_value("imap.example.com")
    expect(page.get_by_label("IMAP port")).to_have_value("993")
    expect(page.get_by_label("SMTP server")).to_have_value("smtp.example.com")
    expect(page.get_by_label("SMTP port")).to_have_value("587")


def test_set_and_replace_a_secret_without_it_ever_reaching_the_page(page, live_server, login, tenant_a):
    first, second = "sk-browser-first-secret-1111", "sk-browser-second-secret-2222"
    bodies = []

    def save():
        with page.expect_response(lambda r: r.request.method == "POST" and "/settings/secrets" in r.url) as answer:
            page.get_by_role("button", name="Save").click()
        bodies.append(answer.value.text())

    login(page, tenant_a.admin)
    page.goto(f"{live_server}/settings/secrets")

    secret = page.locator("#secret-openAIApiKey")
    secret.get_by_label("OpenAI API key").fill(first)
    save()
    expect(page.locator("#toasts .toast-success")).to_contain_text("Provider secrets saved.")
    expect(secret).to_contain_text("Set")
    expect(secret).to_contain_text("1111")

    with page.expect_response(lambda r: "edit=1" in r.url) as edit:
        secret.get_by_role("button", name="Replace").click()
    bodies.append(edit.value.text())
    expect(secret.get_by_label("OpenAI API key")).to_have_value("")
    secret.get_by_label("OpenAI API key").fill(second)
    save()
    expect(secret).to_contain_text("2222")
    expect(secret.get_by_role("button", name="Replace")).to_be_visible()

    page.reload()
    expect(page.locator("#secret-openAIApiKey")).to_contain_text("2222")
    html = page.content()
    assert first not in html and second not in html
    assert len(bodies) == 3 and all(first not in b and second not in b for b in bodies)
    raw = page.request.get(f"{live_server}/settings/secrets").text()
    assert "2222" in raw and first not in raw and second not in raw


def test_clear_asks_first_and_cancel_keeps_the_secret(page, live_server, login, tenant_a, api):
    api(tenant_a.admin).put("/api/Customers/me", json={"openAIApiKey": "sk-stored-before-9999"})
    login(page, tenant_a.admin)
    page.goto(f"{live_server}/settings/secrets")
    secret = page.locator("#secret-openAIApiKey")
    expect(secret).to_contain_text("9999")
    asked = []

    def answer(dialog, accept):
        asked.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", lambda d: answer(d, accept=False))
    secret.get_by_role("button", name="Clear: OpenAI API key").click()
    expect(secret).to_contain_text("9999")  # cancelled: nothing sent, still set
    assert "cannot be restored" in asked[0] and "OpenAI API key" in asked[0]
    page.reload()
    expect(page.locator("#secret-openAIApiKey")).to_contain_text("9999")

    page.once("dialog", lambda d: answer(d, accept=True))
    page.locator("#secret-openAIApiKey").get_by_role("button", name="Clear: OpenAI API key").click()
    expect(page.locator("#secret-openAIApiKey")).not_to_contain_text("9999")
    page.reload()
    expect(page.locator("#secret-openAIApiKey")).to_contain_text("Not set")
