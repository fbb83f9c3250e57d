"""Settings of a Celery worker started by the integration tests.

The project's settings, plus the overrides a test passes as a JSON object in the environment
variable ``ONETRIP_TEST_SETTINGS`` (e.g. ``{"COURIER_SIM_DELAY_SECONDS": 3}``), so a test can
shape the worker (a slow courier, short retries, its own queue) without the project's
settings reading test-only variables.
"""

import json
import os

from tests.settings import *  # noqa: F403

for _name, _value in json.loads(os.environ.get("ONETRIP_TEST_SETTINGS") or "{}").items():
    globals()[_name] = _value
