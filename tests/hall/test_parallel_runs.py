"""The suite runs under pytest-xdist: workers sharing one Redis database keep apart."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.cache.backends.redis import RedisCache

from tests.caches import clear_cache

ROOT = Path(__file__).resolve().parents[2]


def test_each_worker_gets_its_own_cache_prefix():
    probe = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.CACHES['default'].get('KEY_PREFIX', ''))"
    )
    prefixes = []
    for worker in ("gw0", "gw1", ""):
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"}
        env["PYTEST_XDIST_WORKER"] = worker
        result = subprocess.run(
            [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stderr
        prefixes.append(result.stdout.strip())
    assert prefixes == ["xdist-gw0", "xdist-gw1", ""]


def test_a_worker_clears_only_its_own_cache_keys(settings):
    if not settings.REDIS_URL:
        pytest.skip("needs REDIS_URL")
    other_worker = RedisCache(settings.REDIS_URL, {"KEY_PREFIX": "xdist-other-worker"})
    other_worker.set("throttle_track_127.0.0.1", [1, 2, 3], 60)
    settings.CACHES = {"default": {**settings.CACHES["default"], "KEY_PREFIX": "xdist-this"}}
    cache.set("throttle_track_127.0.0.1", [4], 60)
    try:
        clear_cache()

        assert cache.get("throttle_track_127.0.0.1") is None
        assert other_worker.get("throttle_track_127.0.0.1") == [1, 2, 3]
    finally:
        other_worker.delete("throttle_track_127.0.0.1")
