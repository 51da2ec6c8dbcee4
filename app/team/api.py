"""/api/Representatives: the Team, for Admins. Agents get 403; another tenant's person is 404."""
from flask import Blueprint, jsonify, url_for

from app.auth.models import Representative
from app.auth.policies import requires
from app.domain_errors import Invalid
from app.jsonforms import read_json_object, validate_json
from app.openapi import documented, page_params, paginated
from app.pagination import page_query, paginate, paginated_result
from app.request_scope import current_customer_id, current_scope
from app.team.forms import RepresentativeCreateForm, RepresentativeUpdateForm
from app.team.operations import add_representative, stored_values, update_representative
from app.team.serializers import REPRESENTATIVE, REPRESENTATIVE_CREATED
from app.tenancy import get_scoped_or_404, scoped

bp = Blueprint("api_team", __name__, url_prefix="/api/Representatives")

SORTABLE = {"Email": Representative.email, "Name": Representative.name, "Role": Representative.role,
            "RepresentativeID": Representative.id, "LastLoginAt": Representative.last_login_at}


@bp.get("")
@documented(summary="List the representatives of the account (PaginatedResult)",
            query=page_params(SORTABLE, "Email", page_size=100),
            responses={200: ("A page of representatives", paginated(REPRESENTATIVE.schema))})
@requires("ManageSettings")
def list_representatives():
    query = page_query(SORTABLE, "Email", page_size=100)
    rows, total = paginate(scoped(Representative, current_customer_id()), query, SORTABLE, Representative.id)
    return jsonify(paginated_result([REPRESENTATIVE.dump(r) for r in rows], total, query))


@bp.post("")
@documented(summary="Add a representative; without a password the answer carries a one-time initialPassword",
            body=RepresentativeCreateForm,
            responses={201: ("Created; Location names the new representative", REPRESENTATIVE_CREATED.schema),
                       409: ("A representative with this e-mail address exists", None)})
@requires("ManageSettings")
def create():
    form, _ = validate_json(RepresentativeCreateForm)
    rep, generated = add_representative(*current_scope(), form.data)
    body = REPRESENTATIVE_CREATED.dump(rep, initial_password=generated)
    return jsonify(body), 201, {"Location": url_for(".read", representative_id=rep.id), "Cache-Control": "no-store"}


@bp.get("/<int:representative_id>")
@documented(summary="One representative", responses={200: ("RepresentativeReadDTO", REPRESENTATIVE.schema)})
@requires("ManageSettings")
def read(representative_id: int):
    return jsonify(REPRESENTATIVE.dump(get_scoped_or_404(Representative, current_customer_id(), representative_id)))


@bp.put("/<int:representative_id>")
@documented(summary="Update a representative (a field left out keeps its value). A role change, a deactivation "
                    "or a new password ends the person's sessions and tokens",
            body=RepresentativeUpdateForm, partial=True,
            responses={200: ("Saved", REPRESENTATIVE.schema), 409: (("The last active Admin cannot be demoted or deactivated, or the "
                                                                "e-mail address is taken"), None)})
@requires("ManageSettings")
def update(representative_id: int):
    customer_id, actor = current_scope()
    body = read_json_object()
    if body.get("representativeID") not in (None, representative_id):
        raise Invalid({"representativeID": [f"Expected {representative_id}."]},
                      "The body representativeID must match the route id.")
    rep = get_scoped_or_404(Representative, customer_id, representative_id, lock=True)
    form, _ = validate_json(RepresentativeUpdateForm, base=stored_values(rep), partial=True, body=body)
    update_representative(customer_id, actor, rep, form.data)
    return jsonify(REPRESENTATIVE.dump(rep))
