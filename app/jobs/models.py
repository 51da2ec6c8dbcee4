from datetime import datetime, timedelta

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column

from app.extensions import db
from app.tenancy import TenantMixin
from app.timeutil import utcnow

JOB_KINDS = ("import", "bulk", "undo")
JOB_STATUSES = ("queued", "running", "succeeded", "failed", "cancelled")
FINISHED = ("succeeded", "failed", "cancelled")


class Job(TenantMixin, db.Model):
    """One background task of a tenant: what it is, how far it got, and what came of it.

    `done` only moves with a committed batch, so it is also where a dead job stopped.
    `heartbeat_at` moves with every batch; `attempts` counts the runs, one more each time a job whose
    worker died is resumed (app/jobs/reaper.py), and fences off a run that was given up on.
    `enqueued_at` is when its task last went into the queue: a job still queued long after that lost
    its task, and the reaper queues it again.
    """

    __tablename__ = "job"
    __table_args__ = (Index("ix_job_customer_created", "customer_id", "created_at"),
                      Index("ix_job_status_heartbeat", "status", "heartbeat_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="queued")
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    result: Mapped[dict] = mapped_column(JSON, default=dict)
    # The job's input (an uploaded file, a list of ids): in the database, so any worker host reads it.
    payload: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    actor_type: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[str | None] = mapped_column(String(100))
    actor_name: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column()
    heartbeat_at: Mapped[datetime | None] = mapped_column()
    enqueued_at: Mapped[datetime | None] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    def silent_for_more_than(self, seconds: float) -> bool:
        """Running, but no batch committed for longer than that: its worker is probably gone."""
        last = self.heartbeat_at or self.started_at
        return self.status == "running" and (last is None or utcnow() - last > timedelta(seconds=seconds))


class JobRowError(TenantMixin, db.Model):
    """One refused row of an import (line 1 is the header), written with the batch it belongs to."""

    __tablename__ = "job_row_error"
    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("job.id", ondelete="CASCADE"), index=True)
    line: Mapped[int] = mapped_column(Integer)
    column: Mapped[str] = mapped_column(String(300), default="")
    message: Mapped[str] = mapped_column(Text)


class JobEvent(TenantMixin, db.Model):
    """An audit event a job's writes left: what its Undo reverts."""

    __tablename__ = "job_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("job.id", ondelete="CASCADE"), index=True)
    audit_event_id: Mapped[int] = mapped_column(ForeignKey("audit_event.id", ondelete="CASCADE"))
