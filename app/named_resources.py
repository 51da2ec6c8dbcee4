"""Small tenant-scoped records with a unique name (topics, channels): their API written once.

Each feature describes itself with a NamedResource; `crud_blueprint` gives it list, create,
read, partial update and delete with the same rules, status codes and OpenAPI descriptions.
The writes themselves are the feature's operations; the helpers they share live here too.
"""
from dataclasses import dataclass
from typing import Callable

from flask import Blueprint, flash, jsonify, redirect, url_for
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.audit.undo import flash_deleted
from app.auth.policies import authenticated, requires
from app.domain_errors import Conflict, DomainError, Invalid, StillReferenced
from app.extensions import db
from app.jsonforms import read_json_object, validate_json
from app.openapi import documented, page_params, paginated
from app.pagination import page_query, paginate, paginated_result
from app.request_scope import current_customer_id, current_scope
from app.tenancy import get_scoped_or_404, scoped
from app.unit_of_work import attempt


@dataclass(frozen=True)
class NamedResource:
    model: type
    form: type
    noun: str            # "topic"
    id_field: str        # "topicID" in bodies
    id_param: str        # "topic_id" in routes
    schema: dict         # the read DTO's JSON schema
    sortable: dict       # sortBy whitelist
    stored_values: Callable  # record -> {DTO name: value}, what a partial update starts from
    create: Callable         # operation (customer_id, actor, values) -> record
    update: Callable         # operation (customer_id, actor, record, values) -> record
    set_active: Callable     # operation (customer_id, actor, record, active)
    delete: Callable         # operation (customer_id, actor, record); StillReferenced while in use


# ---- Shared by the operations -----------------------------------------------------------

def ensure_unique_name(record, name: str) -> None:
    """Conflict when another record of this tenant already has the name."""
    model = type(record)
    clash = select(func.count()).select_from(model).where(model.customer_id == record.customer_id, model.name == name)
    if record.id is not None:
        clash = clash.where(model.id != record.id)
    if db.session.scalar(clash):
        title = f"A {model.__tablename__} named {name!r} already exists."
        raise Conflict(title, {"name": [title]})


def save_named(record, values: dict, apply: Callable):
    """Apply the values, refuse a name another record has, flush."""
    ensure_unique_name(record, values["name"].strip())
    apply(record, values)
    db.session.add(record)
    db.session.flush()
    return record


def set_active(record, active: bool) -> None:
    record.is_active = active
    db.session.flush()


def delete_unless_used(record, links: int) -> None:
    """Delete the record, or StillReferenced while links or (by foreign key) tickets still use it."""
    noun = type(record).__tablename__
    if links:
        raise StillReferenced(f"{noun.title()} {record.name!r} still has {links} linked action(s); "
                              f"remove them or deactivate the {noun}.")
    try:
        with db.session.begin_nested():
            db.session.delete(record)
            db.session.flush()
    except IntegrityError:
        raise StillReferenced(f"{noun.title()} {record.name!r} is still used by tickets; deactivate it instead.") from None


# ---- The API ------------------------------------------------------------------------------

def crud_blueprint(name: str, url_prefix: str, r: NamedResource) -> Blueprint:
    bp = Blueprint(name, __name__, url_prefix=url_prefix)
    plural = f"{r.noun}s"
    item = f"/<int:{r.id_param}>"

    @documented(summary=f"List {plural} (PaginatedResult)", query=page_params(r.sortable, "Name", page_size=100),
                responses={200: (f"A page of {plural}", paginated(r.schema))})
    @authenticated
    def list_records():
        query = page_query(r.sortable, "Name", page_size=100)
        rows, total = paginate(scoped(r.model, current_customer_id()), query, r.sortable, r.model.id)
        return jsonify(paginated_result([row.to_dto() for row in rows], total, query))

    @documented(summary=f"Create a {r.noun}", body=r.form,
                responses={201: (f"Created; Location names the new {r.noun}", r.schema),
                           409: (f"A {r.noun} with this name exists", None)})
    @requires("ManageSettings")
    def create():
        form, _ = validate_json(r.form, base={"isActive": True})
        record = r.create(*current_scope(), form.data)
        return jsonify(record.to_dto()), 201, {"Location": url_for(".read", **{r.id_param: record.id})}

    @documented(summary=f"One {r.noun}", responses={200: (r.schema["title"], r.schema)})
    @authenticated
    def read(**ids):
        return jsonify(get_scoped_or_404(r.model, current_customer_id(), ids[r.id_param]).to_dto())

    @documented(summary=f"Update a {r.noun}: a field left out keeps its value; a {r.id_field} in the body must match the route",
                body=r.form, partial=True, responses={204: ("Saved", None), 409: (f"A {r.noun} with this name exists", None)})
    @requires("ManageSettings")
    def update(**ids):
        customer_id, actor = current_scope()
        ident = ids[r.id_param]
        body = read_json_object()
        if body.get(r.id_field) not in (None, ident):
            raise Invalid({r.id_field: [f"Expected {ident}."]}, f"The body {r.id_field} must match the route id.")
        record = get_scoped_or_404(r.model, customer_id, ident)
        form, _ = validate_json(r.form, base=r.stored_values(record), partial=True, body=body)
        r.update(customer_id, actor, record, form.data)
        return "", 204

    @documented(summary=f"Delete a {r.noun} that no link or ticket uses",
                responses={204: ("Deleted", None), 409: ("Still used by links or tickets", None)})
    @requires("ManageSettings")
    def delete(**ids):
        customer_id, actor = current_scope()
        r.delete(customer_id, actor, get_scoped_or_404(r.model, customer_id, ids[r.id_param]))
        return "", 204

    bp.add_url_rule("", f"list_{plural}", list_records, methods=["GET"])
    bp.add_url_rule("", "create", create, methods=["POST"])
    bp.add_url_rule(item, "read", read, methods=["GET"])
    bp.add_url_rule(item, "update", update, methods=["PUT"])
    bp.add_url_rule(item, "delete", delete, methods=["DELETE"])
    return bp


# ---- The dashboard --------------------------------------------------------------------------

def create_from_page(r: NamedResource, form):
    """The resource page's create form: the new record, or None (errors, a name clash, at the fields)."""
    if not form.validate_on_submit():
        return None
    try:
        with attempt():
            record = r.create(*current_scope(), form.data)
    except DomainError as refusal:
        form.name.errors.append(refusal.title)
        return None
    flash(f"{r.noun.title()} {record.name} created.")
    return record


def add_dashboard_switches(bp: Blueprint, r: NamedResource) -> None:
    """The dashboard's POST /<id>/toggle and /<id>/delete for a resource page, back to its index."""
    label = r.noun.title()

    @requires("ManageSettings")
    def toggle(**ids):
        customer_id, actor = current_scope()
        record = get_scoped_or_404(r.model, customer_id, ids[r.id_param])
        r.set_active(customer_id, actor, record, not record.is_active)
        flash(f"{label} {record.name} is now {'active' if record.is_active else 'inactive'}.")
        return redirect(url_for(".index"))

    @requires("ManageSettings")
    def delete(**ids):
        customer_id, actor = current_scope()
        record = get_scoped_or_404(r.model, customer_id, ids[r.id_param])
        name, ident = record.name, record.id
        try:
            with attempt():
                r.delete(customer_id, actor, record)
        except StillReferenced as refusal:
            flash(refusal.title, "error")
        else:
            flash_deleted(f"{label} {name} deleted.", customer_id, label, ident)
        return redirect(url_for(".index"))

    bp.add_url_rule(f"/<int:{r.id_param}>/toggle", "toggle", toggle, methods=["POST"])
    bp.add_url_rule(f"/<int:{r.id_param}>/delete", "delete", delete, methods=["POST"])
