"""/api/Pipeline: a dry run of a sample message (read-only: nothing is sent, stored or changed)."""
from flask import Blueprint, jsonify

from app.auth.policies import requires
from app.jsonforms import validate_json
from app.openapi import documented
from app.pipeline import dry_run
from app.pipeline.forms import DryRunForm
from app.pipeline.serializers import DRY_RUN_STEP, DRY_RUN_STEP_SCHEMA
from app.request_scope import current_customer_id
from app.unit_of_work import read_only

bp = Blueprint("api_pipeline", __name__, url_prefix="/api/Pipeline")


@bp.post("/dry-run")
@read_only
@documented(
    summary="Dry run: the steps a sample message would go through on a channel, in run order, with the outbound "
            "request of each ApiCall (placeholders filled, secrets masked). Nothing is sent, stored or changed.",
    body=DryRunForm,
    responses={200: ("The steps in run order", {"type": "array", "items": DRY_RUN_STEP_SCHEMA})},
)
@requires("ManageSettings")
def dry_run_message():
    customer_id = current_customer_id()
    form, _ = validate_json(DryRunForm)
    sample, hooks = dry_run.sample_from(customer_id, form)
    return jsonify([DRY_RUN_STEP.dump(step) for step in dry_run.run(customer_id, sample, hooks)])
