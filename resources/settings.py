"""Every setting this project reads from the environment: its name, default and meaning.

Nothing else reads `os.environ` (the launchers that start other processes pass it on).
`SETTINGS` is read once, when the code location loads: partitions, schedules and sensors are
definitions, fixed when Dagster imports them. Where to find the database and VK is read when
asked for, so a command (the demo, a test) can point at another server without a new process.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from resources.vk.settings import VkSettings

PROJECT_ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Settings:
    # Local state (embedded PostgreSQL, Dagster home, uploads) lives here.
    data_dir: Path
    # VK's home timezone by default: "posts of 3 March" means a Moscow day to the people reading them.
    partitions_timezone: str
    partitions_start: str
    # Comments keep arriving for days after a post: the nightly run reloads this many days.
    refresh_days: int
    # Days of history loaded for communities an upload adds.
    new_group_history_days: int
    uploads_dir: Path
    # A file is taken only once it has not changed for this long: never while still being written.
    upload_settle_seconds: float
    # Pause before Dagster retries a VK step that ended with transient failures.
    run_retry_delay_seconds: float
    # "in_process" (one machine, the default) or "celery" (steps sent to Celery workers).
    executor: str
    # Where the Celery executor sends steps and the workers listen; results come back over it.
    celery_broker_url: str
    celery_backend_url: str
    # Run leases (resources/run_leases.py): how often a process working for a run renews its
    # lease, and after how long without renewal it counts as dead. Every process of a deployment
    # must agree, so they are settings, not per-run config.
    run_lease_renew_seconds: float
    run_lease_expiry_seconds: float


def load(environ: Mapping[str, str] = os.environ) -> Settings:
    data_dir = Path(environ.get("VK_DATA_DIR", PROJECT_ROOT / ".data"))
    return Settings(
        data_dir=data_dir,
        partitions_timezone=environ.get("VK_PARTITIONS_TIMEZONE", "Europe/Moscow"),
        partitions_start=environ.get("VK_PARTITIONS_START", "2025-01-01"),
        refresh_days=int(environ.get("VK_REFRESH_DAYS", "3")),
        new_group_history_days=int(environ.get("VK_NEW_GROUP_HISTORY_DAYS", "30")),
        uploads_dir=Path(environ.get("VK_UPLOADS_DIR", data_dir / "uploads")),
        upload_settle_seconds=float(environ.get("VK_UPLOAD_SETTLE_SECONDS", "10")),
        run_retry_delay_seconds=float(environ.get("VK_RUN_RETRY_DELAY_SECONDS", "30")),
        executor=_choice(environ, "VK_EXECUTOR", "in_process", ("in_process", "celery")),
        celery_broker_url=environ.get("VK_CELERY_BROKER_URL", "pyamqp://guest:guest@127.0.0.1:5672//"),
        celery_backend_url=environ.get("VK_CELERY_BACKEND_URL", "rpc://"),
        run_lease_renew_seconds=float(environ.get("VK_RUN_LEASE_RENEW_SECONDS", "10")),
        run_lease_expiry_seconds=float(environ.get("VK_RUN_LEASE_EXPIRY_SECONDS", "60")),
    )


def _choice(environ: Mapping[str, str], name: str, default: str, allowed: tuple[str, ...]) -> str:
    # A typo must not silently fall back to the one-machine executor on a cluster.
    value = environ.get(name, default).strip().lower().replace("-", "_")
    if value not in allowed:
        raise ValueError(f"{name}={value!r}: expected one of {', '.join(allowed)}")
    return value


SETTINGS = load()


def configured_database_url() -> str | None:
    """DATABASE_URL: the application database; None means the embedded server's."""
    return os.environ.get("DATABASE_URL") or None


def configured_dagster_database_url() -> str | None:
    """DAGSTER_DATABASE_URL: Dagster's own storage; None means a database beside the application's."""
    return os.environ.get("DAGSTER_DATABASE_URL") or None


def configured_dagster_storage_url() -> str | None:
    """DAGSTER_STORAGE_URL: the exact storage URL (postgresql+psycopg2://), as local_env exports it."""
    return os.environ.get("DAGSTER_STORAGE_URL") or None


def configured_vk_api_base_url() -> str:
    """VK_API_BASE_URL: the VK endpoint (the stand-in's in the demo and tests)."""
    return os.environ.get("VK_API_BASE_URL", VkSettings.default("base_url"))


def configured_vk_requests_per_second() -> float:
    """VK_REQUESTS_PER_SECOND: per token; a user token allows 3."""
    return float(os.environ.get("VK_REQUESTS_PER_SECOND", VkSettings.default("requests_per_second")))


def configured_demo_days(default: int) -> int:
    """VK_DEMO_DAYS: how many complete days the demo loads."""
    return int(os.environ.get("VK_DEMO_DAYS", str(default)))


def configured_demo_groups() -> list[str]:
    """VK_DEMO_GROUPS: the communities the demo uploads when it talks to the real VK."""
    return os.environ.get("VK_DEMO_GROUPS", "apiclub").split(",")


def configured_vk_token_count() -> int:
    """How many tokens VK_TOKEN holds (comma-separated); the stand-in's one when it is unset."""
    return max(1, len([t for t in os.environ.get("VK_TOKEN", "").split(",") if t.strip()]))


def vk_token_given() -> bool:
    """A VK token in the environment means the real API; none means the local stand-in."""
    return bool(os.environ.get("VK_TOKEN"))
