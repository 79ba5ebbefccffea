"""The sensor that evaluates the analytics assets' automation conditions (refresh after the
loads they read), running from the start: Dagster's default one starts stopped."""

from dagster import AssetSelection, AutomationConditionSensorDefinition, DefaultSensorStatus

analytics_automation_sensor = AutomationConditionSensorDefinition(
    "analytics_after_loads",
    target=AssetSelection.groups("analytics"),
    default_status=DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=60,
    description="Materializes the analytics assets once the loads they read stored something new.",
)
