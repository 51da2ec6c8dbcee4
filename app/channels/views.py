"""Dashboard: a small page to manage channels, and the Phone channel secret (shown once)."""
from flask import Blueprint, redirect, render_template, url_for

from app.auth.policies import requires
from app.channels.forms import ChannelForm
from app.channels.models import Channel
from app.channels.operations import rotate_channel_secret
from app.channels.resource import CHANNELS
from app.extensions import db
from app.named_resources import add_dashboard_switches, create_from_page
from app.request_scope import current_customer_id, current_scope
from app.tenancy import get_scoped_or_404, scoped

bp = Blueprint("channels", __name__, url_prefix="/channels")
add_dashboard_switches(bp, CHANNELS)


def _page(form, status=200, revealed=None):
    channels = db.session.scalars(scoped(Channel, current_customer_id()).order_by(Channel.name)).all()
    return render_template("channels/index.html", form=form, channels=channels, revealed=revealed), status


@bp.route("/", methods=["GET", "POST"])
@requires("ManageSettings")
def index():
    form = ChannelForm(data={"isActive": True})
    if create_from_page(CHANNELS, form):
        return redirect(url_for(".index"))
    return _page(form, 400 if form.errors else 200)


@bp.post("/<int:channel_id>/rotate-secret")
@requires("ManageSettings")
def rotate(channel_id: int):
    """The new secret is rendered in this one answer and never again (it is stored hashed)."""
    customer_id, actor = current_scope()
    channel = get_scoped_or_404(Channel, customer_id, channel_id)
    secret = rotate_channel_secret(customer_id, actor, channel)
    response = _page(ChannelForm(formdata=None, data={"isActive": True}), revealed=(channel, secret))
    return response[0], 200, {"Cache-Control": "no-store"}
