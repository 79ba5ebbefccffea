"""The UI itself, driven in headless Chromium (Debian's `chromium`, not a downloaded browser):
open the posts asset, materialize one day partition by clicking, and watch the run succeed."""

from __future__ import annotations

import os
import re
import shutil
from datetime import date

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# As root, without a sandbox; no background traffic (this machine's network is closed).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                 "--no-first-run", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
DAY = date(2025, 9, 9)
RUN_FINISHED = re.compile(r"^(Success|Failure|Canceled)$")


@pytest.fixture
def page(tmp_path):
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium); "
                    ".ci/run does it")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 900})
        page = context.new_page()
        page.set_default_timeout(30_000)
        try:
            yield page
        finally:
            context.close()
            browser.close()


def test_materializing_a_partition_by_clicking_in_the_ui_succeeds(dagster_ui, monitored_groups, page,
                                                                 tmp_path):
    start, end = dagster_ui.day_window(DAY, DAY)
    dagster_ui.forget_window(start, end)
    try:
        page.goto(f"{dagster_ui.url}/assets/posts")
        page.get_by_role("button", name="Materialize…").click()
        dialog = page.get_by_role("dialog")
        dialog.get_by_text("Launch runs to materialize posts").wait_for()
        # The dialog offers the last 90 days first; the world's days are older.
        dialog.get_by_role("button", name="Show all partitions").click()
        partitions = dialog.get_by_role("textbox").first
        partitions.fill(DAY.isoformat())
        partitions.press("Enter")
        dialog.get_by_text("1 partition", exact=True).wait_for()
        dialog.get_by_role("button", name="Launch 1 run").click()

        # The toast names the launched run and links to it, as a user would follow it.
        view = page.locator("a[href*='/runs/']", has_text="View").first
        view.wait_for()
        run_id = view.get_attribute("href").rstrip("/").rsplit("/", 1)[-1]
        view.click()
        page.wait_for_url(f"**/runs/{run_id}")
        finished = page.get_by_text(RUN_FINISHED).first
        finished.wait_for(timeout=240_000)
        status = finished.inner_text().strip()
        page.screenshot(path=str(tmp_path / "run_page.png"))
        assert status == "Success", (f"the run page shows {status}:\n{dagster_ui.run_errors(run_id)}")
        page.get_by_text(f"partition: {DAY.isoformat()}").first.wait_for()
    except BaseException:
        page.screenshot(path=str(tmp_path / "failure.png"), full_page=True)
        print(f"screenshot: {tmp_path / 'failure.png'}\n--- dagster dev log ---\n{dagster_ui.log_tail(30)}")
        raise

    # What the click launched, as the webserver records it, and what it loaded.
    run = dagster_ui.wait_for_run(run_id, timeout=30)
    tags = {tag["key"]: tag["value"] for tag in run["tags"]}
    assert tags.get("dagster/partition") == DAY.isoformat(), tags
    assert [a["path"] for a in run["assetSelection"]] == [["posts"]]
    expected_posts, _ = dagster_ui.truth(start, end)
    loaded_posts, _ = dagster_ui.loaded(start, end)
    assert expected_posts, f"the world has no posts on {DAY}: the test proves nothing"
    assert loaded_posts == expected_posts
