"""Single sign-on in real Chromium, through the tests' OpenID provider on 127.0.0.1."""
import pytest
from playwright.sync_api import expect

from tests.browser.focus import requests_on_leaving
from tests.browser.test_accessibility import _report, _violations
from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET


def _configure_on_the_settings_page(page, live_server, login, admin, issuer):
    login(page, admin)
    page.goto(f"{live_server}/settings/sso")
    page.get_by_label("Offer single sign-on on the login page").check()
    page.get_by_label("Issuer URL").fill(issuer)
    page.get_by_label("Client ID").fill(CLIENT_ID)
    page.get_by_label("Client secret").fill(CLIENT_SECRET)
    page.get_by_label("Allowed e-mail domain").fill("sso.example.com")
    page.get_by_label("Create people not yet in Switchboard as Agents").check()
    page.get_by_label("Issuer URL").fill("http://login.example.com")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#field-issuer .errors")).to_contain_text("must use https://")
    assert not _violations(page), _report("/settings/sso with an error", _violations(page))
    page.get_by_label("Issuer URL").fill(issuer)
    page.get_by_label("Client secret").fill(CLIENT_SECRET)  # a password input is not sent back
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#toasts")).to_contain_text("Single sign-on saved.")
    expect(page.get_by_label("Client secret")).to_have_value("")
    expect(page.locator("#secret-clientSecret")).to_contain_text("Set")
    page.get_by_role("button", name="Sign out").click()


def _start_sso(page, live_server, email):
    page.goto(f"{live_server}/login")
    page.get_by_label("E-mail").fill("sam@elsewhere.example.com")
    page.wait_for_timeout(600)  # the offer is asked for after a pause in typing
    expect(page.get_by_role("link", name="Sign in with SSO")).to_have_count(0)
    page.get_by_label("E-mail").fill(email)
    expect(page.get_by_role("link", name="Sign in with SSO")).to_be_visible()
    assert not _violations(page), _report("/login with the SSO offer", _violations(page))
    page.get_by_role("link", name="Sign in with SSO").click()


def test_leaving_the_e_mail_field_does_not_ask_for_the_offer_again(page, live_server, login, tenant_a, oidc_provider):
    """An offer asked again as the field loses focus (pressing the button does that) would replace the
    button between press and release, and the click would be lost."""
    _configure_on_the_settings_page(page, live_server, login, tenant_a.admin, oidc_provider.issuer)
    page.goto(f"{live_server}/login")
    page.get_by_label("E-mail").fill("sam@sso.example.com")
    expect(page.get_by_role("link", name="Sign in with SSO")).to_be_visible()
    page.wait_for_timeout(500)  # past the typing pause
    assert requests_on_leaving(page, page.get_by_label("E-mail"), lambda request: "/login/sso/offer" in request.url) == []


def test_an_unknown_person_signs_in_through_the_provider_and_becomes_an_agent(
        page, live_server, login, tenant_a, oidc_provider):
    _configure_on_the_settings_page(page, live_server, login, tenant_a.admin, oidc_provider.issuer)
    _start_sso(page, live_server, "sam@sso.example.com")
    page.wait_for_url(f"{live_server}/")
    expect(page.locator(".whoami")).to_contain_text("Sam Signon")
    expect(page.locator(".whoami .role")).to_have_text("Agent")
    expect(page.locator(".whoami .tenant")).to_have_text(tenant_a.name)
    assert oidc_provider.tokens_issued == 1


@pytest.mark.parametrize("lie", ["audience", "forge"])
def test_a_wrong_audience_or_a_forged_id_token_lands_on_the_login_page_refused(
        page, live_server, login, tenant_a, oidc_provider, lie):
    _configure_on_the_settings_page(page, live_server, login, tenant_a.admin, oidc_provider.issuer)
    if lie == "audience":
        oidc_provider.audience = "some-other-client"
    else:
        oidc_provider.forge = True
    _start_sso(page, live_server, "sam@sso.example.com")
    expect(page.get_by_role("alert")).to_contain_text("could not be verified")
    expect(page.get_by_role("heading", name="Sign in to Switchboard")).to_be_visible()
    page.goto(f"{live_server}/")
    expect(page.get_by_role("heading", name="Sign in to Switchboard")).to_be_visible()
