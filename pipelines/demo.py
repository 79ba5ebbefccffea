"""`make demo`: the main job end to end on the local defaults.

Starts (or reuses) the database and migrates it, then runs the collection job against the VK
stand-in (or the real API when VK_TOKEN is set), and says where the data is and how to look.
"""

from __future__ import annotations

import os
import sys

import psycopg

from pipelines.local_env import prepare
from resources.database import current_revision
from resources.postgres_server import redact


def _table_counts(url: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        tables = [row[0] for row in conn.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'vk' AND c.relkind IN ('r', 'p') AND NOT c.relispartition "
            "ORDER BY 1"
        )]
        return {t: conn.execute(f"SELECT count(*) FROM vk.{t}").fetchone()[0] for t in tables}


def main() -> int:
    env = prepare()
    os.environ.update(env)
    url = env["DATABASE_URL"]
    print(f"Database: {redact(url)} (schema vk at revision {current_revision(url)})")
    for table, count in _table_counts(url).items():
        print(f"  vk.{table:<20} {count:>10,} rows")
    print("The loaders are not built yet: the demo stops after the migrations.")
    print("Open the UI with: make ui   (then http://127.0.0.1:3000)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
