"""Orchestration: typed config, Prefect flows, scoring and alert rules, and the koubei CLI."""
