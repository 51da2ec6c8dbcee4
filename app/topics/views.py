"""Dashboard: a small page to manage topics."""
from flask import Blueprint, flash, redirect, render_template, url_for

from app.auth.policies import requires
from app.extensions import db
from app.problems import Problem
from app.tenancy import current_customer_id, get_scoped_or_404, scoped
from app.topics.forms import TopicForm
from app.topics.models import Topic
from app.topics.operations import delete_topic, save_topic

bp = Blueprint("topics", __name__, url_prefix="/topics")


@bp.route("/", methods=["GET", "POST"])
@requires("ManageSettings")
def index():
    form = TopicForm(data={"isActive": True})
    if form.validate_on_submit():
        try:
            topic = save_topic(Topic(customer_id=current_customer_id()), form)
        except Problem as problem:
            form.name.errors.append(problem.title)
        else:
            db.session.commit()
            flash(f"Topic {topic.name} created.")
            return redirect(url_for(".index"))
    topics = db.session.scalars(scoped(Topic).order_by(Topic.name)).all()
    return render_template("topics/index.html", form=form, topics=topics), 400 if form.errors else 200


@bp.post("/<int:topic_id>/toggle")
@requires("ManageSettings")
def toggle(topic_id: int):
    topic = get_scoped_or_404(Topic, topic_id)
    topic.is_active = not topic.is_active
    db.session.commit()
    flash(f"Topic {topic.name} is now {'active' if topic.is_active else 'inactive'}.")
    return redirect(url_for(".index"))


@bp.post("/<int:topic_id>/delete")
@requires("ManageSettings")
def delete(topic_id: int):
    topic = get_scoped_or_404(Topic, topic_id)
    try:
        delete_topic(topic)
    except Problem as problem:
        flash(problem.title)
    else:
        db.session.commit()
        flash(f"Topic {topic.name} deleted.")
    return redirect(url_for(".index"))
