"""Everything Dagster loads from this code location, assembled in one place."""

import os

from dagster import Definitions, EnvVar, load_assets_from_modules

from assets import comments, groups, posts, tasks
from pipelines.jobs import collect_job, posts_and_comments_job, refresh_groups_job
from resources.database import PostgresResource
from resources.vk import VkApiResource

defs = Definitions(
    assets=load_assets_from_modules([groups, posts, comments, tasks]),
    jobs=[collect_job, posts_and_comments_job, refresh_groups_job],
    resources={
        "database": PostgresResource(database_url=EnvVar("DATABASE_URL")),
        "vk": VkApiResource(
            token=EnvVar("VK_TOKEN"),
            base_url=os.environ.get("VK_API_BASE_URL", "https://api.vk.ru/method"),
            requests_per_second=float(os.environ.get("VK_REQUESTS_PER_SECOND", "3")),
        ),
    },
)
