"""Retention: `prune-audit` deletes the audit events older than the cut-off, of every tenant, in
batches of their own transaction; --dry-run only counts; a retention under one day is refused, on
the command line and in AUDIT_RETENTION_DAYS at startup."""
import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app import create_app
from app.actors import Actor
from app.audit import operations
from app.audit.models import AuditEvent
from app.extensions import db
from app.timeutil import iso, utcnow
from config import TestConfig

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def now(monkeypatch):
    """The command's clock, frozen: the cut-off is exactly `now - days`."""
    frozen = utcnow()
    monkeypatch.setattr(operations, "utcnow", lambda: frozen)
    return frozen


def _add(in_app, customer_id: int, label: str, when) -> None:
    with in_app() as session:
        session.add(AuditEvent(customer_id=customer_id, occurred_at=when, actor_type="Cli", actor_id="tests",
                               actor_name="command line", action="Update", entity_type="Topic", entity_id=1,
                               entity_label=label, changes={"name": {"from": "a", "to": label}}))
        session.commit()


def _labels(in_app, customer_id: int) -> list[str]:
    with in_app() as session:
        return list(session.scalars(select(AuditEvent.entity_label).where(
            AuditEvent.customer_id == customer_id, AuditEvent.entity_type == "Topic").order_by(AuditEvent.id)))


def _total(in_app) -> int:
    with in_app() as session:
        return session.scalar(select(func.count()).select_from(AuditEvent))


def _report(result) -> dict:
    assert result.exit_code == 0, result.output
    return json.loads(result.output.strip().splitlines()[-1])


@pytest.fixture
def trail(in_app, tenant_a, tenant_b, now):
    """Both tenants: events well past, just past, exactly at, and inside a 365-day retention."""
    cutoff = now - timedelta(days=365)
    for tenant in (tenant_a, tenant_b):
        for label, when in (("ancient", cutoff - timedelta(days=400)), ("just-before", cutoff - timedelta(seconds=1)),
                            ("at-cutoff", cutoff), ("just-after", cutoff + timedelta(seconds=1)), ("today", now)):
            _add(in_app, tenant.id, label, when)
    return cutoff


KEPT = ["at-cutoff", "just-after", "today"]


def test_prune_deletes_exactly_the_events_before_the_cutoff_of_every_tenant(app, in_app, tenant_a, tenant_b, trail):
    before = _total(in_app)
    report = _report(app.test_cli_runner().invoke(args=["prune-audit", "--days", "365"]))
    assert report == {"dryRun": False, "retentionDays": 365, "cutoff": iso(trail), "deleted": 4, "batches": 1}
    assert _labels(in_app, tenant_a.id) == KEPT
    assert _labels(in_app, tenant_b.id) == KEPT
    assert _total(in_app) == before - 4  # the tenants' own Create events (now) are kept too
    again = _report(app.test_cli_runner().invoke(args=["prune-audit", "--days", "365"]))
    assert (again["deleted"], again["batches"]) == (0, 0)


def test_the_default_retention_is_the_configured_one(app, in_app, tenant_a, trail, monkeypatch):
    monkeypatch.setitem(app.config, "AUDIT_RETENTION_DAYS", 365)
    report = _report(app.test_cli_runner().invoke(args=["prune-audit"]))
    assert (report["retentionDays"], report["cutoff"], report["deleted"]) == (365, iso(trail), 4)
    monkeypatch.setitem(app.config, "AUDIT_RETENTION_DAYS", 100_000)
    assert _report(app.test_cli_runner().invoke(args=["prune-audit"]))["deleted"] == 0


def test_dry_run_counts_and_deletes_nothing(app, in_app, tenant_a, tenant_b, trail):
    before = _total(in_app)
    report = _report(app.test_cli_runner().invoke(args=["prune-audit", "--days", "365", "--dry-run"]))
    assert report == {"dryRun": True, "retentionDays": 365, "cutoff": iso(trail), "wouldDelete": 4, "deleted": 0}
    assert _total(in_app) == before
    assert _labels(in_app, tenant_a.id) == ["ancient", "just-before", *KEPT]


@pytest.mark.parametrize("days", ["0", "-1", "-365"])
def test_a_retention_under_one_day_is_refused(app, in_app, tenant_a, trail, days):
    before = _total(in_app)
    result = app.test_cli_runner().invoke(args=["prune-audit", "--days", days])
    assert result.exit_code == 2
    assert "Invalid value for '--days': must be at least 1" in result.output
    assert _total(in_app) == before


def test_batches_are_separate_transactions_until_nothing_is_left(app, in_app, tenant_a, tenant_b, now, monkeypatch):
    cutoff = now - timedelta(days=30)
    for n in range(8):
        _add(in_app, (tenant_a, tenant_b)[n % 2].id, f"old-{n}", cutoff - timedelta(days=10 - n))
    _add(in_app, tenant_a.id, "recent", now)

    committed_before_each_batch = []
    real_batch = operations.prune_audit_batch

    def watched(actor, batch_cutoff, batch_size):
        with db.engine.connect() as conn:  # another connection: sees only what earlier batches committed
            committed_before_each_batch.append(conn.scalar(select(func.count()).select_from(AuditEvent).where(
                AuditEvent.occurred_at < batch_cutoff)))
        assert actor == Actor.cli("prune-audit")
        return real_batch(actor, batch_cutoff, batch_size)

    monkeypatch.setattr(operations, "prune_audit_batch", watched)
    report = _report(app.test_cli_runner().invoke(args=["prune-audit", "--days", "30", "--batch-size", "3"]))
    assert (report["deleted"], report["batches"]) == (8, 3)
    assert committed_before_each_batch == [8, 5, 2]
    assert _labels(in_app, tenant_a.id) == ["recent"] and _labels(in_app, tenant_b.id) == []

    # A last batch that comes out exactly full is followed by one that finds nothing.
    for n in range(6):
        _add(in_app, tenant_b.id, f"older-{n}", cutoff - timedelta(days=1))
    committed_before_each_batch.clear()
    report = _report(app.test_cli_runner().invoke(args=["prune-audit", "--days", "30", "--batch-size", "3"]))
    assert (report["deleted"], report["batches"]) == (6, 2)
    assert committed_before_each_batch == [6, 3, 0]


def test_one_batch_takes_the_oldest_events_first(app, in_app, tenant_a, now):
    for n in (3, 1, 4, 2, 5):  # inserted out of time order
        _add(in_app, tenant_a.id, f"day-{n}", now - timedelta(days=100 - n))
    with app.app_context():
        assert operations.prune_audit_batch(Actor.cli("tests"), now - timedelta(days=50), batch_size=3) == 3
        db.session.commit()
        db.session.remove()
    assert _labels(in_app, tenant_a.id) == ["day-4", "day-5"]


@pytest.mark.parametrize("value", [0, -1, "0", " -7", "", "abc", "1.5"])
def test_an_audit_retention_under_one_day_refuses_to_start(value):
    class Config(TestConfig):
        AUDIT_RETENTION_DAYS = value

    with pytest.raises(RuntimeError, match=r"AUDIT_RETENTION_DAYS must be a whole number of days, at least 1"):
        create_app(Config)


def test_audit_retention_days_is_read_from_the_environment():
    def start(value: str) -> subprocess.CompletedProcess:
        env = {**os.environ, "SWITCHBOARD_ENV": "testing", "AUDIT_RETENTION_DAYS": value}
        code = "from app import create_app; print(repr(create_app().config['AUDIT_RETENTION_DAYS']))"
        return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=120, check=False)

    refused = start("0")
    assert refused.returncode != 0
    assert "AUDIT_RETENTION_DAYS must be a whole number of days, at least 1 (got '0')" in refused.stderr
    started = start("30")
    assert started.returncode == 0, started.stderr
    assert started.stdout.strip() == "30"
