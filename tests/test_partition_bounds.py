"""The loader may create comment partitions, but only for months VK can have comments in."""

from datetime import UTC, datetime, timedelta

import psycopg
import pytest


def partitions(db) -> int:
    return db.execute("SELECT count(*) AS n FROM pg_inherits "
                      "WHERE inhparent = 'vk.comments'::regclass").fetchone()["n"]


def ensure(db, start, end):
    return db.execute("SELECT vk.ensure_comment_partitions(%s, %s) AS created",
                      (start, end)).fetchone()["created"]


@pytest.mark.parametrize("start, end", [
    (datetime(200, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC)),    # a typo'd year
    (datetime(2005, 12, 1, tzinfo=UTC), datetime(2006, 1, 1, tzinfo=UTC)),  # before VK
    (datetime(2026, 1, 1, tzinfo=UTC), datetime(9999, 1, 1, tzinfo=UTC)),   # far future
    (datetime.now(UTC), datetime.now(UTC) + timedelta(days=200)),            # too far ahead
])
def test_the_loader_cannot_create_partitions_outside_a_sane_range(db, start, end):
    before = partitions(db)
    db.execute("SET ROLE vk_loader")
    try:
        with pytest.raises(psycopg.errors.InvalidParameterValue, match="comment partitions are made only for"):
            ensure(db, start, end)
    finally:
        db.execute("RESET ROLE")
    assert partitions(db) == before


def test_the_loader_creates_the_partitions_of_a_sane_range(db):
    db.execute("SET ROLE vk_loader")
    try:
        # VK's first month, and next month (what the schedule makes ahead).
        assert ensure(db, datetime(2006, 10, 1, tzinfo=UTC), datetime(2006, 12, 1, tzinfo=UTC)) == 2
        assert ensure(db, datetime(2006, 10, 5, tzinfo=UTC), datetime(2006, 11, 2, tzinfo=UTC)) == 0
        ahead = datetime.now(UTC) + timedelta(days=45)
        ensure(db, ahead, ahead + timedelta(days=1))
    finally:
        db.execute("RESET ROLE")
    name = f"comments_{ahead:%Y_%m}"
    assert db.execute("SELECT to_regclass(%s) IS NOT NULL AS made", (f"vk.{name}",)).fetchone()["made"]
