"""Command line: flask --app wsgi create-customer | create-representative | demo."""
import json

import click
from flask import Flask
from sqlalchemy.exc import IntegrityError

from app.auth.emails import InvalidEmail
from app.auth.models import ROLES
from app.extensions import db


def register_cli(app: Flask) -> None:
    @app.cli.command("create-customer")
    @click.option("--name", required=True, help="The tenant's name.")
    @click.option("--admin-email", required=True)
    @click.option("--admin-password", required=True)
    @click.option("--subscription-level", default=1, show_default=True, type=click.IntRange(1, 3))
    def create_customer_command(name, admin_email, admin_password, subscription_level):
        """Create a customer (tenant) with its first Admin."""
        from app.customers.operations import create_customer

        try:
            customer, admin = create_customer(name, admin_email, admin_password, subscription_level)
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            raise click.ClickException("A customer with that name or a representative with that e-mail exists.")
        except InvalidEmail as exc:
            db.session.rollback()
            raise click.ClickException(str(exc))
        click.echo(json.dumps({"customerID": customer.id, "representativeID": admin.id}))

    @app.cli.command("create-representative")
    @click.option("--customer-id", required=True, type=int)
    @click.option("--email", required=True)
    @click.option("--password", required=True)
    @click.option("--role", type=click.Choice(ROLES), default="Agent", show_default=True)
    def create_representative_command(customer_id, email, password, role):
        """Add a representative (Admin or Agent) to a customer."""
        from app.auth.operations import create_representative
        from app.customers.models import Customer

        if db.session.get(Customer, customer_id) is None:
            raise click.ClickException(f"No customer with id {customer_id}.")
        try:
            rep = create_representative(customer_id, email, password, role=role)
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            raise click.ClickException("A representative with that e-mail exists.")
        except InvalidEmail as exc:
            db.session.rollback()
            raise click.ClickException(str(exc))
        click.echo(json.dumps({"representativeID": rep.id}))

    @app.cli.command("demo")
    def demo_command():
        """Fill (or refill) the demo tenant and print how to log in."""
        from app.demo import DEMO_ADMIN, DEMO_AGENT, DEMO_PASSWORD, load_demo

        customer = load_demo()
        db.session.commit()
        click.echo(f"Demo tenant '{customer.name}' is ready (customerID {customer.id}).")
        click.echo(f"Sign in as {DEMO_ADMIN} (Admin) or {DEMO_AGENT} (Agent), password: {DEMO_PASSWORD}")

    @app.cli.command("demo-if-new")
    def demo_if_new_command():
        """Load the demo only into a database that has no customer yet (used by `make run`)."""
        from app.customers.models import Customer

        if db.session.query(Customer.id).first() is None:
            demo_command.callback()
        else:
            click.echo("Database already has customers; demo data left as it is.")
