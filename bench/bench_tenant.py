"""The app of an in-process benchmark (bench/revocation_cost.py, bench/hot_path.py): the test
configuration over DATABASE_URL with the API limit out of the way, a schema migrated from empty,
and one tenant whose Admin signs in with EMAIL / PASSWORD."""
from flask_migrate import upgrade
from sqlalchemy import text

from app import create_app
from app.actors import Actor
from app.customers.operations import create_customer
from app.extensions import db
from config import TestConfig

EMAIL, PASSWORD = "bench@bench.example.com", "bench password 1"


def app_with_one_tenant(database_url: str, api_rate_limit: str):
    """(app, the tenant's id)."""

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = database_url
        API_RATE_LIMIT = api_rate_limit

    app = create_app(Config)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade()
        customer, _admin = create_customer(Actor.cli("bench"), "Bench tenant", EMAIL, PASSWORD, 1)
        db.session.commit()
        customer_id = customer.id
        db.session.remove()
    return app, customer_id
