"""Where Dagster meets the project: the Definitions, jobs, schedules, sensors, executors and the local commands."""
