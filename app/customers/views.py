"""Settings area (placeholder until the settings issue lands)."""
from flask import Blueprint, render_template

from app.auth.policies import requires

bp = Blueprint("customers", __name__, url_prefix="/settings")


@bp.get("/")
@requires("ManageSettings")
def settings():
    return render_template("placeholder.html", title="Settings")
