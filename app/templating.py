"""What every dashboard template can use."""
from flask import Flask, g
from flask_login import current_user
from markupsafe import Markup

from app.customers.models import Customer
from app.extensions import db
from app.labels import human
from app.pagination import jump_fields, page_window
from app.timeutil import as_utc, in_zone, iso


def current_tenant():
    if not current_user.is_authenticated:
        return None
    if "tenant" not in g:
        g.tenant = db.session.get(Customer, current_user.customer_id)
    return g.tenant


def local_time(value) -> Markup:
    """A time in the signed-in person's time zone, with UTC on hover and in the datetime attribute."""
    moment = as_utc(value)
    if moment is None:
        return Markup("—")
    zone = getattr(current_user, "time_zone", None) if current_user.is_authenticated else None
    local = in_zone(moment, zone)
    return Markup('<time datetime="{}" title="{} UTC">{}</time>').format(
        iso(moment), moment.strftime("%Y-%m-%d %H:%M"), local.strftime("%Y-%m-%d %H:%M ") + (local.tzname() or ""))


def register_template_helpers(app: Flask) -> None:
    app.add_template_filter(human, "human")
    app.add_template_filter(local_time, "local_time")
    app.add_template_filter(lambda n: f"{int(n):,}", "thousands")
    app.add_template_global(page_window, "page_window")
    app.add_template_global(jump_fields, "jump_fields")

    @app.context_processor
    def _inject():
        return {"current_tenant": current_tenant()}
