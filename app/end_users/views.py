"""End users (placeholder until the end-user issue lands)."""
from flask import Blueprint, render_template
from flask_login import login_required

bp = Blueprint("end_users", __name__, url_prefix="/end-users")


@bp.get("/")
@login_required
def index():
    return render_template("placeholder.html", title="End users")
