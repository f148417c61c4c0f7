"""Prometheus in docker-compose.yml scrapes the open /metrics of every service."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from tests.deploy._support import APP_SERVICES, compose

CONFIG = Path(__file__).resolve().parents[2] / "deploy" / "prometheus" / "prometheus.yml"


def scrape_targets() -> dict[str, tuple[str, list[str]]]:
    config: dict[str, Any] = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    return {job["job_name"]: (job.get("metrics_path", "/metrics"),
                              [t for static in job["static_configs"] for t in static["targets"]])
            for job in config["scrape_configs"]}


def test_every_app_service_is_scraped_at_metrics() -> None:
    targets = scrape_targets()
    for name, port in APP_SERVICES.items():
        assert targets[name] == ("/metrics", [f"{name}:{port}"])


def test_compose_runs_prometheus_with_this_config() -> None:
    prometheus = compose()["services"]["prometheus"]
    assert prometheus["image"].startswith("prom/prometheus:v")
    assert "./deploy/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro" in prometheus["volumes"]
    assert set(prometheus["depends_on"]) == set(APP_SERVICES)
    assert "prometheus-data" in compose()["volumes"]
