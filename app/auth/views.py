"""Dashboard login and logout."""
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from app.auth.forms import LoginForm
from app.auth.models import Representative
from app.auth.operations import authenticate, record_login
from app.auth.ratelimits import throttled
from app.extensions import db, login_manager
from app.tenancy import in_id_range
from app.unit_of_work import begin_writing, reads_first

bp = Blueprint("auth", __name__)

login_manager.login_view = "auth.login"
login_manager.login_message = None


@login_manager.user_loader
def _load_user(session_id: str):
    """The signed-in representative, if the session's version is still theirs (Representative.get_id):
    a sign-out elsewhere, a deactivation, a role or password change ends this session."""
    ident, _, version = session_id.partition(":")
    if not (ident.isdigit() and version.isdigit() and in_id_range(int(ident))):
        return None  # a session from before versions
    rep = db.session.get(Representative, int(ident))
    if rep is None or not rep.is_active or rep.session_version != int(version):
        return None
    return rep


def _safe_next(target: str | None) -> str:
    """Only same-site paths: never redirect a login to another host."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("home.index")


@bp.route("/login", methods=["GET", "POST"])
@reads_first  # the password check holds no write lock; signed_in() takes it for the short write
@throttled
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        rep = authenticate(form.email.data, form.password.data)
        if rep is not None:
            signed_in(rep)
            return redirect(_safe_next(request.args.get("next")))
        error = "Invalid e-mail or password."
    status = 401 if error else (400 if form.errors else 200)
    return render_template("auth/login.html", form=form, error=error), status


def signed_in(rep: Representative) -> None:
    """Everything a sign-in does, however the person proved who they are (password or single sign-on)."""
    begin_writing()
    record_login(rep)
    login_user(rep)


@bp.post("/logout")
@login_required
def logout():
    """Ends every session and token of this person, not only this browser's."""
    current_user.end_sessions()
    logout_user()
    flash("You are signed out.")
    return redirect(url_for("auth.login"))
