"""Dashboard: the pipeline picture of a channel, and "Try a message" beside it (a dry run)."""
from flask import Blueprint, render_template, request
from sqlalchemy.orm import selectinload

from app.auth.policies import requires
from app.channels.models import Channel
from app.end_users.models import EndUser
from app.end_users.queries import search_criterion
from app.extensions import db
from app.htmx_helpers import wants_partial
from app.pipeline import dry_run
from app.pipeline.forms import DryRunForm
from app.pipeline.run_order import HOOK_ORDER, PLATFORM_STEPS, pipeline
from app.request_scope import current_customer_id
from app.tenancy import get_scoped_or_404, scoped
from app.topics.models import Topic
from app.unit_of_work import read_only

bp = Blueprint("pipeline", __name__, url_prefix="/pipeline")

SEARCH_LIMIT = 10


def _channels(customer_id: int) -> list[Channel]:
    return db.session.scalars(scoped(Channel, customer_id).order_by(Channel.is_active.desc(), Channel.name)).all()


def _topics(customer_id: int) -> list[Topic]:
    return db.session.scalars(scoped(Topic, customer_id).order_by(Topic.name, Topic.id)).all()


def _chosen_channel(customer_id: int, channels: list[Channel], raw) -> Channel | None:
    """The channel asked for (another tenant's: 404), else the first active one."""
    if raw not in (None, ""):
        return get_scoped_or_404(Channel, customer_id, raw)
    return channels[0] if channels else None


def _page(form: DryRunForm, channel: Channel | None, steps=None, status: int = 200, end_user=None):
    customer_id = current_customer_id()
    channels, topics = _channels(customer_id), _topics(customer_id)
    stages = pipeline(customer_id, channel.id, topics) if channel else None
    context = {"channel": channel, "channels": channels, "topics": topics, "stages": stages, "platform_steps": PLATFORM_STEPS,
                   "form": form, "steps": steps, "end_user": end_user, "hook_names": HOOK_ORDER}
    return render_template("pipeline/index.html", **context), status


def _try_panel(form: DryRunForm, channel, steps=None, end_user=None):
    customer_id = current_customer_id()
    return render_template("pipeline/_try.html", form=form, channel=channel, channels=_channels(customer_id),
                           topics=_topics(customer_id), steps=steps, end_user=end_user,
                           hook_names=HOOK_ORDER)


@bp.get("/")
@requires("ManageSettings")
def index():
    customer_id = current_customer_id()
    channel = _chosen_channel(customer_id, _channels(customer_id), request.args.get("channel"))
    form = DryRunForm(formdata=None, data={"channelID": channel.id if channel else None})
    return _page(form, channel)


@bp.post("/try")
@read_only
@requires("ManageSettings")
def try_message():
    """Form errors come back as the panel with the errors beside the fields (200, htmx swaps it)."""
    customer_id = current_customer_id()
    form = DryRunForm()
    channel = get_scoped_or_404(Channel, customer_id, form.channelID.data) if form.channelID.data else None
    steps = end_user = None
    if form.validate():
        sample, hooks = dry_run.sample_from(customer_id, form)
        steps, end_user = dry_run.run(customer_id, sample, hooks), sample.end_user
    elif form.endUserID.data:
        end_user = get_scoped_or_404(EndUser, customer_id, form.endUserID.data)
    if wants_partial():
        return _try_panel(form, channel, steps, end_user)
    picture = channel or _chosen_channel(customer_id, _channels(customer_id), None)
    return _page(form, picture, steps, 200 if steps is not None else 400, end_user)


@bp.get("/end-users")
@requires("ManageSettings")
def search_end_users():
    """The end-user picker: the first matches of the search box, as radio buttons."""
    term = (request.args.get("q") or "").strip()
    customer_id = current_customer_id()
    found = []
    if term:
        found = db.session.scalars(
            scoped(EndUser, customer_id).options(selectinload(EndUser.uids))
            .where(search_criterion(customer_id, term)).order_by(EndUser.lastname, EndUser.firstname, EndUser.id)
            .limit(SEARCH_LIMIT)
        ).all()
    return render_template("pipeline/_end_user_choices.html", end_users=found, term=term, limit=SEARCH_LIMIT)
