"""Dashboard: the Team page (Admins). A generated password is rendered in one answer, never again."""
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_user

from app.auth.models import Representative
from app.auth.policies import requires
from app.domain_errors import DomainError
from app.extensions import db
from app.request_scope import current_customer_id, current_scope
from app.team.forms import RepresentativeCreateForm, RoleForm, time_zones
from app.team.operations import add_representative, change_role, reset_password, set_active
from app.tenancy import get_scoped_or_404, scoped
from app.unit_of_work import attempt

bp = Blueprint("team", __name__, url_prefix="/team")
NO_STORE = {"Cache-Control": "no-store"}


def _page(form, status=200, revealed=None):
    people = db.session.scalars(scoped(Representative, current_customer_id())
                                .order_by(Representative.is_active.desc(), Representative.email)).all()
    body = render_template("team/index.html", form=form, people=people, revealed=revealed,
                           time_zones=sorted(time_zones()))
    return body, status, NO_STORE


def _new_form():
    return RepresentativeCreateForm(formdata=None, data={"role": "Agent", "timeZone": current_user.time_zone})


@bp.route("/", methods=["GET", "POST"])
@requires("ManageSettings")
def index():
    form = RepresentativeCreateForm(data={"role": "Agent", "timeZone": current_user.time_zone})
    if not form.validate_on_submit():
        return _page(form, 400 if form.errors else 200)
    try:
        with attempt():
            rep, generated = add_representative(*current_scope(), form.data)
    except DomainError as refusal:
        for name, messages in (refusal.errors or {"email": [refusal.title]}).items():
            getattr(form, name, form.email).errors.append(" ".join(messages))
        return _page(form, 409)
    if generated is None:
        flash(f"{rep.display_name} was added as {rep.role}.")
        return redirect(url_for(".index"))
    return _page(_new_form(), revealed=(rep, generated))


def _keep_own_session(rep: Representative) -> None:
    """A change to one's own access ends one's other sessions, not the one making it."""
    if rep.id == current_user.id and rep.is_active:
        login_user(rep)


def _person(representative_id: int) -> Representative:
    return get_scoped_or_404(Representative, current_customer_id(), representative_id, lock=True)


def _back(rep: Representative):
    if rep.id == current_user.id and not rep.has_policy("ManageSettings"):
        return redirect(url_for("home.index"))
    return redirect(url_for(".index"))


@bp.post("/<int:representative_id>/role")
@requires("ManageSettings")
def role(representative_id: int):
    rep, form = _person(representative_id), RoleForm()
    if not form.validate_on_submit():
        flash("Choose Admin or Agent.", "error")
        return redirect(url_for(".index"))
    change_role(*current_scope(), rep, form.role.data)
    _keep_own_session(rep)
    flash(f"{rep.display_name} is now {rep.role}.")
    return _back(rep)


@bp.post("/<int:representative_id>/toggle")
@requires("ManageSettings")
def toggle(representative_id: int):
    rep = _person(representative_id)
    set_active(*current_scope(), rep, not rep.is_active)
    _keep_own_session(rep)
    flash(f"{rep.display_name} is now {'active' if rep.is_active else 'deactivated: signed out everywhere'}.")
    return redirect(url_for(".index"))


@bp.post("/<int:representative_id>/password")
@requires("ManageSettings")
def password(representative_id: int):
    rep = _person(representative_id)
    secret = reset_password(*current_scope(), rep)
    _keep_own_session(rep)
    return _page(_new_form(), revealed=(rep, secret))
