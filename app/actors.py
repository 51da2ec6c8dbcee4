"""Who does a write: every operation is told, so history and limits never guess from a request."""
from dataclasses import dataclass

ACTOR_TYPES = ("Representative", "ApiKey", "PhoneChannel", "Cli", "Job", "System")


@dataclass(frozen=True)
class Actor:
    type: str
    id: int | str | None = None
    name: str | None = None

    def __post_init__(self):
        if self.type not in ACTOR_TYPES:
            raise ValueError(f"unknown actor type {self.type!r}")

    @classmethod
    def representative(cls, rep) -> "Actor":
        return cls("Representative", rep.id, rep.display_name)

    @classmethod
    def api_key(cls, key_id: int, name: str | None) -> "Actor":
        return cls("ApiKey", key_id, name)

    @classmethod
    def phone_channel(cls, channel_id: int) -> "Actor":
        return cls("PhoneChannel", channel_id, f"phone channel {channel_id}")

    @classmethod
    def cli(cls, command: str | None = None) -> "Actor":
        return cls("Cli", command, "command line")

    @classmethod
    def job(cls, job_id: str, name: str | None = None) -> "Actor":
        return cls("Job", job_id, name)


SYSTEM = Actor("System", None, "Switchboard")
