"""Every dashboard page, found from app.url_map: the GET routes outside /api whose arguments we
can fill from a tenant's data (one record of each kind; every settings group), kept when a
signed-in request answers a whole HTML page (partials and downloads drop out by themselves).

Used by the 390 px browser test and by bench/page_weight.py. A new route with an argument not
in `_samples` is skipped: add a sample for it there.
"""
from itertools import product

from sqlalchemy import select

NOT_PAGES = {"static", "favicon"}


def _samples(customer_id: int) -> dict[str, list]:
    from app.actions.models import Action
    from app.customers.forms import GROUPS
    from app.end_users.models import EndUser
    from app.extensions import db

    def first(model):
        found = db.session.scalar(select(model.id).where(model.customer_id == customer_id).order_by(model.id))
        return [found] if found is not None else []

    return {"action_id": first(Action), "end_user_id": first(EndUser), "group": list(GROUPS)}


def candidate_urls(app, customer_id: int) -> list[str]:
    with app.test_request_context():
        from flask import url_for

        samples = _samples(customer_id)
        urls = []
        for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
            if "GET" not in rule.methods or rule.rule.startswith("/api") or rule.endpoint in NOT_PAGES:
                continue
            arguments = sorted(rule.arguments)
            if not set(arguments) <= samples.keys():
                continue
            for values in product(*(samples[a] for a in arguments)):
                urls.append(url_for(rule.endpoint, **dict(zip(arguments, values))))
        return urls


def is_whole_page(response) -> bool:
    return (response.status_code == 200 and response.mimetype == "text/html"
            and response.get_data(as_text=True).lstrip().lower().startswith("<!doctype"))


def dashboard_pages(app, client, customer_id: int) -> list[str]:
    """The whole pages among candidate_urls, as `client` (signed in) sees them."""
    return [url for url in candidate_urls(app, customer_id) if is_whole_page(client.get(url))]
