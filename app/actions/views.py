"""Actions (placeholder until the actions issue lands)."""
from flask import Blueprint, render_template
from flask_login import login_required

bp = Blueprint("actions", __name__, url_prefix="/actions")


@bp.get("/")
@login_required
def index():
    return render_template("placeholder.html", title="Actions")
