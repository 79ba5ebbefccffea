"""Benchmarks that print figures (not timed tests): `python -m benchmarks.run` (`make benchmark`).

Each runs on the embedded PostgreSQL's defaults in a throwaway database of its own, and
`benchmarks/results/latest.md` keeps the latest figures with the machine they ran on.
"""
