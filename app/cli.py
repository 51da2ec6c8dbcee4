"""Command line: flask --app wsgi create-customer | create-representative | demo | prune-audit.

Each command is one unit of work (app/unit_of_work.py) done by the command-line actor; prune-audit
is one unit of work per batch, so it never holds SQLite's write lock for long.
"""
import json

import click
from flask import Flask, current_app

from app.actors import Actor
from app.auth.models import ROLES
from app.domain_errors import DomainError
from app.extensions import db
from app.timeutil import iso
from app.unit_of_work import unit_of_work


def _refusal(error: DomainError) -> click.ClickException:
    messages = [m for found in error.errors.values() for m in found]
    return click.ClickException(" ".join(messages) or error.title)


def _retention_days(_ctx, _param, value):
    if value is not None and value < 1:
        raise click.BadParameter(f"must be at least 1 (got {value}); a retention of less than a day would delete "
                                 "the audit trail up to now.")
    return value


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
            with unit_of_work():
                customer, admin = create_customer(Actor.cli("create-customer"), name, admin_email, admin_password,
                                                  subscription_level)
        except DomainError as error:
            raise _refusal(error) from None
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

        try:
            with unit_of_work():
                if db.session.get(Customer, customer_id) is None:
                    raise click.ClickException(f"No customer with id {customer_id}.")
                rep = create_representative(customer_id, Actor.cli("create-representative"), email, password, role=role)
        except DomainError as error:
            raise _refusal(error) from None
        click.echo(json.dumps({"representativeID": rep.id}))

    @app.cli.command("demo")
    def demo_command():
        """Fill (or refill) the demo tenant and print how to log in."""
        from app.demo import DEMO_ADMIN, DEMO_AGENT, DEMO_PASSWORD, load_demo

        with unit_of_work():
            customer = load_demo()
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

    @app.cli.command("prune-audit")
    @click.option("--days", type=int, callback=_retention_days,
                  help="Keep the events of the last N days (default: AUDIT_RETENTION_DAYS).")
    @click.option("--dry-run", is_flag=True, help="Only count the events that would be deleted.")
    @click.option("--batch-size", type=click.IntRange(1, 50_000), default=5000, show_default=True,
                  help="Events deleted per transaction.")
    def prune_audit_command(days, dry_run, batch_size):
        """Delete the audit events, of every tenant, older than the retention."""
        from app.audit.operations import count_prunable, prune_audit_batch, retention_cutoff

        days = current_app.config["AUDIT_RETENTION_DAYS"] if days is None else days
        actor, cutoff = Actor.cli("prune-audit"), retention_cutoff(days)
        report = {"dryRun": dry_run, "retentionDays": days, "cutoff": iso(cutoff)}
        if dry_run:
            with unit_of_work(write=False):
                report["wouldDelete"] = count_prunable(cutoff)
            click.echo(json.dumps({**report, "deleted": 0}))
            return
        deleted = batches = 0
        while True:
            with unit_of_work():  # one transaction per batch
                count = prune_audit_batch(actor, cutoff, batch_size)
            deleted, batches = deleted + count, batches + (count > 0)
            if count < batch_size:
                break
        current_app.logger.info("prune-audit: %d audit events before %s deleted in %d batches", deleted, iso(cutoff),
                                batches)
        click.echo(json.dumps({**report, "deleted": deleted, "batches": batches}))
