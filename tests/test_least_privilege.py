"""The commands a deployment runs as a least-privileged login: loading needs no owner, and
migrating, which does, says so instead of failing obscurely."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import make_url

from pipelines import local_env
from resources.database import head_revision, upgrade_schema


@pytest.fixture
def loader_login(db):
    """A login that has only vk_loader, as the README recommends for the loading processes."""
    db.execute("DROP ROLE IF EXISTS vk_test_loader_login")
    db.execute("CREATE ROLE vk_test_loader_login LOGIN IN ROLE vk_loader")
    yield "vk_test_loader_login"
    db.execute("DROP ROLE vk_test_loader_login")


def as_login(url: str, login: str) -> str:
    return make_url(url).set(username=login, password=None).render_as_string(hide_password=False)


def test_the_local_environment_works_for_a_loader_login_on_a_current_schema(
        loader_login, migrated_database, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", as_login(migrated_database, loader_login))
    monkeypatch.setenv("DAGSTER_DATABASE_URL", migrated_database)
    assert local_env.main(["env"]) == 0
    exports = capsys.readouterr().out
    assert f"export DATABASE_URL='{as_login(migrated_database, loader_login)}" in exports


def test_a_schema_behind_the_code_asks_for_the_owner_instead_of_failing_obscurely(
        db, loader_login, empty_database, monkeypatch, capsys):
    upgrade_schema(empty_database, "0005")
    monkeypatch.setenv("DATABASE_URL", as_login(empty_database, loader_login))
    monkeypatch.setenv("DAGSTER_DATABASE_URL", empty_database)
    assert local_env.main(["env"]) == 3
    err = capsys.readouterr().err
    assert "may not migrate it" in err and f"the code needs {head_revision()}" in err
    assert "local_env migrate" in err and len(err.strip().splitlines()) == 1
    # The owner migrates; then the loader login runs.
    monkeypatch.setenv("DATABASE_URL", empty_database)
    assert local_env.main(["migrate"]) == 0
    assert f"at revision {head_revision()}" in capsys.readouterr().out
    monkeypatch.setenv("DATABASE_URL", as_login(empty_database, loader_login))
    assert local_env.main(["env"]) == 0
