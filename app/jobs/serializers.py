"""JobReadDTO: what a caller polls."""
from app.dtos import Dto, iso_of
from app.jobs.models import JOB_KINDS, JOB_STATUSES
from app.openapi import INTEGER, STRING, TIMESTAMP, nullable

PROGRESS = Dto(None, {
    "done": ({"type": "integer", "minimum": 0}, "done"),
    "total": ({"type": "integer", "minimum": 0}, "total"),
})

JOB = Dto("JobReadDTO", {
    "jobID": (INTEGER, "id"),
    "kind": ({"type": "string", "enum": list(JOB_KINDS)}, "kind"),
    "status": ({"type": "string", "enum": list(JOB_STATUSES)}, "status"),
    "progress": (PROGRESS.schema, lambda job: PROGRESS.dump(job)),
    "result": ({"type": "object", "description": "The job's counts so far (an import: created, updated, unchanged, "
                                                 "failed); when it stopped early also `stoppedAt` ({done, line}) and "
                                                 "`error`; `restarts` lists where it was resumed after its worker "
                                                 "died."},
               lambda job: job.result or {}),
    "createdAt": (TIMESTAMP, iso_of("created_at")),
    "finishedAt": (nullable(TIMESTAMP), iso_of("finished_at")),
    "heartbeatAt": ({**nullable(TIMESTAMP), "description": "The last sign of life of a run: every committed batch. A "
                     "running job silent for longer than the configured timeout is resumed or failed by the next "
                     "worker that looks."}, iso_of("heartbeat_at")),
})

UNDO = Dto("JobUndoResult", {
    "reverted": ({"type": "integer", "minimum": 0}, lambda r: r["reverted"]),
    "failed": ({"type": "integer", "minimum": 0}, lambda r: r["failed"]),
    "reasons": ({"type": "array", "items": STRING}, lambda r: r["reasons"]),
})

JOB_SCHEMA = JOB.schema
