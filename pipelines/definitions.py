"""Everything Dagster loads from this code location, assembled in one place."""

from dagster import Definitions, EnvVar, load_assets_from_modules

from assets import comments, groups, posts, tasks
from resources.database import PostgresResource

defs = Definitions(
    assets=load_assets_from_modules([groups, posts, comments, tasks]),
    resources={
        "database": PostgresResource(database_url=EnvVar("DATABASE_URL")),
    },
)
