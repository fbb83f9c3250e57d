"""docker-compose runs what the integration tests prove: the worker's pool, restart policies."""

import shlex
from pathlib import Path

import yaml
from django.conf import settings

from hall.management.commands.serve_embedded import WORKER_POOL

from .conftest import DEPLOYED_POOL


def compose() -> dict:
    return yaml.safe_load((Path(settings.BASE_DIR) / "docker-compose.yml").read_text())


def test_the_compose_worker_runs_the_pool_the_outage_test_proves():
    command = compose()["services"]["worker"]["command"]
    if isinstance(command, str):
        command = shlex.split(command)
    assert command[:4] == ["celery", "-A", "hall", "worker"]
    assert set(DEPLOYED_POOL) <= set(command)
    # `make run` with REDIS_URL starts its worker the same way.
    assert set(WORKER_POOL) == set(DEPLOYED_POOL)


def test_web_worker_and_beat_are_restarted_by_docker_when_they_exit():
    services = compose()["services"]
    for name in ("web", "worker", "beat"):
        assert services[name]["restart"] == "unless-stopped", name
