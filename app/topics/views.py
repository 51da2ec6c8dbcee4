"""Dashboard: a small page to manage topics."""
from flask import Blueprint, redirect, render_template, url_for

from app.auth.policies import requires
from app.extensions import db
from app.named_resources import add_dashboard_switches, create_from_page
from app.request_scope import current_customer_id
from app.tenancy import scoped
from app.topics.forms import TopicForm
from app.topics.models import Topic
from app.topics.resource import TOPICS

bp = Blueprint("topics", __name__, url_prefix="/topics")
add_dashboard_switches(bp, TOPICS)


@bp.route("/", methods=["GET", "POST"])
@requires("ManageSettings")
def index():
    form = TopicForm(data={"isActive": True})
    if create_from_page(TOPICS, form):
        return redirect(url_for(".index"))
    topics = db.session.scalars(scoped(Topic, current_customer_id()).order_by(Topic.name)).all()
    return render_template("topics/index.html", form=form, topics=topics), 400 if form.errors else 200
