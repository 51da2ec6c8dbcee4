"""Every page that shows a time shows it in the signed-in representative's time zone, UTC on hover."""
import re
from datetime import datetime
from zoneinfo import ZoneInfo

from app.api_keys.models import ApiKey
from app.auth.models import Representative
from app.channels.models import Channel
from app.sso.models import SsoSettings

TOKYO = ZoneInfo("Asia/Tokyo")  # UTC+9 all year: 23:30 UTC is 08:30 the next day
STAMP = re.compile(r'<time datetime="([^"]+)Z" title="([^"]+) UTC">([^<]+)</time>')


def _times(html: str) -> list[tuple[str, str, str]]:
    return STAMP.findall(html)


def test_a_representative_in_tokyo_reads_tokyo_times_with_utc_on_hover(dashboard, tenant_a, in_app):
    late = datetime(2026, 3, 4, 23, 30)
    with in_app() as session:
        session.get(Representative, tenant_a.admin.id).time_zone = "Asia/Tokyo"
        session.get(Representative, tenant_a.agent.id).last_login_at = late
        session.add(ApiKey(customer_id=tenant_a.id, name="Shop", scopes="EndUsers.Read", key_hash="0" * 64,
                           prefix="sb_test", last_four="abcd", created_at=late, last_used_at=late, expires_at=late))
        session.add(Channel(customer_id=tenant_a.id, name="Hotline", channel_type="Phone", secret_hash="x",
                            secret_rotated_at=late))
        session.add(SsoSettings(customer_id=tenant_a.id, issuer="https://idp.example.com", client_id="switchboard", client_secret="s3cret",
                                secret_changed_at=late, allowed_domain="alpha.example.com"))
        session.commit()
    web = dashboard(tenant_a.admin)
    local = late.replace(tzinfo=ZoneInfo("UTC")).astimezone(TOKYO).strftime("%Y-%m-%d %H:%M JST")
    assert local == "2026-03-05 08:30 JST"
    for path, expected in (("/team/", 1), ("/settings/api-keys/", 3), ("/settings/secrets", 1), ("/settings/sso", 1)):
        html = web.get(path).get_data(as_text=True)
        times = [t for t in _times(html) if t[0].startswith("2026-03-04T23:30")]
        assert len(times) == expected, (path, _times(html))
        for _, utc, shown in times:
            assert (utc, shown) == ("2026-03-04 23:30", local), path
        assert "2026-03-04 23:30 UTC<" not in html and "2026-03-04 23:30<" not in html, path  # no raw UTC time left
