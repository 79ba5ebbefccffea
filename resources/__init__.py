"""Dagster resources and what they stand on: settings, the database, run leases, the VK client."""
