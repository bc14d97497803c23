"""Hypothesis profiles for the property tests.

``ci`` (the default) bounds every property to a few dozen examples and keeps
no example database, so the suite's time stays predictable on two cores;
``HYPOTHESIS_PROFILE=deep`` explores far more when run by hand.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("deep", max_examples=2000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
