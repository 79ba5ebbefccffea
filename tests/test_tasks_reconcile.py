"""A reconciliation run without the daemon (as `make demo` runs it) leaves nothing `processing`."""

from datetime import UTC, datetime

from dagster import materialize

from assets.comments import comments
from assets.groups import groups
from assets.partitions import range_tags
from assets.posts import posts
from assets.tasks import mirror_run, tasks
from resources.vk import VkApiResource
from vk_standin.server import StandInServer
from vk_standin.world import World


def statuses(db) -> dict[str, str]:
    return {row["dagster_run_id"]: row["status"]
            for row in db.execute("SELECT dagster_run_id, status FROM vk.tasks")}


def test_a_reconcile_run_without_the_daemon_leaves_neither_itself_nor_finished_runs_processing(
        db, database, dagster_instance, tmp_path):
    world = World(seed=21, n_groups=4, start=datetime(2026, 10, 31, 21, 0, tzinfo=UTC), days=2,
                  mean_comments=2, max_comments=20)
    upload = tmp_path / "groups.txt"
    upload.write_text("\n".join(str(g) for g in world.group_ids()))
    with StandInServer(world) as server:
        vk = VkApiResource(token=server.token, base_url=server.base_url, requests_per_second=1000)
        resources = {"database": database, "vk": vk}
        materialize([groups], resources=resources, instance=dagster_instance,
                    run_config={"ops": {"groups": {"config": {"upload_paths": [str(upload)]}}}})
        load = materialize([posts, comments], resources=resources, instance=dagster_instance,
                           tags=range_tags("2026-11-01", "2026-11-02"))
    # The load's steps said `processing` as they worked; no sensor saw it end.
    assert statuses(db)[load.run_id] == "processing"

    reconcile = materialize([tasks], resources={"database": database}, instance=dagster_instance)
    after = statuses(db)
    assert after[load.run_id] == "completed"
    assert reconcile.run_id not in after  # it could only have said `processing` of itself
    assert "processing" not in after.values(), after

    # Who ran it mirrors it once it has ended (pipelines/demo.py does), as would the next one.
    mirror_run(database, dagster_instance, dagster_instance.get_run_by_id(reconcile.run_id))
    assert statuses(db)[reconcile.run_id] == "completed"
    second = materialize([tasks], resources={"database": database}, instance=dagster_instance)
    final = statuses(db)
    assert second.run_id not in final and "processing" not in final.values(), final
