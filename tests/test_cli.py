"""The command line of CONTRACT.md: create-customer, create-representative, demo."""
import json

from sqlalchemy import func, select

from app.customers.models import Customer
from app.end_users.models import EndUser
from app.extensions import db


def _last_json(output: str) -> dict:
    return json.loads(output.strip().splitlines()[-1])


def test_create_customer_then_representative_then_log_in(app, api):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-customer", "--name", "Cli Co", "--admin-email", "boss@cli.example.com", "--admin-password", "pw-123456"])
    assert result.exit_code == 0, result.output
    ids = _last_json(result.output)
    assert set(ids) == {"customerID", "representativeID"}

    result = runner.invoke(args=["create-representative", "--customer-id", str(ids["customerID"]), "--email", "agent@cli.example.com", "--password", "pw-654321", "--role", "Agent"])
    assert result.exit_code == 0, result.output
    rep = _last_json(result.output)
    assert set(rep) == {"representativeID"}

    login = api().post("/api/Auth/login", json={"email": "agent@cli.example.com", "password": "pw-654321"})
    assert login.status_code == 200
    assert login.get_json()["customerID"] == ids["customerID"]
    assert login.get_json()["roles"] == ["Agent"]


def test_cli_refuses_duplicates_and_unknown_customers(app):
    runner = app.test_cli_runner()
    args = ["create-customer", "--name", "Dup Co", "--admin-email", "a@dup.example.com", "--admin-password", "x"]
    assert runner.invoke(args=args).exit_code == 0
    again = runner.invoke(args=args)
    assert again.exit_code != 0 and "exists" in again.output
    missing = runner.invoke(args=["create-representative", "--customer-id", "99999", "--email", "z@x.example.com", "--password", "p", "--role", "Admin"])
    assert missing.exit_code != 0 and "No customer" in missing.output
    bad_role = runner.invoke(args=["create-representative", "--customer-id", "1", "--email", "z@x.example.com", "--password", "p", "--role", "Boss"])
    assert bad_role.exit_code != 0


def test_demo_twice_leaves_one_demo_tenant(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert "admin@demo.example.com" in first.output
    assert runner.invoke(args=["demo"]).exit_code == 0
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Customer)) == 1
        assert db.session.scalar(select(func.count()).select_from(EndUser)) >= 200
        db.session.remove()
    skipped = runner.invoke(args=["demo-if-new"])
    assert "left as it is" in skipped.output
