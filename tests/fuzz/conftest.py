"""Fuzz tests (hypothesis) with a bounded budget: ``JEJO_FUZZ_EXAMPLES`` examples per property (default
60), no example database (runs are reproducible from the printed seed), no deadline (shared CPUs)."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "jejo-fuzz",
    max_examples=int(os.environ.get("JEJO_FUZZ_EXAMPLES", "60")),
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.function_scoped_fixture,
        HealthCheck.data_too_large,
    ],
)
settings.load_profile("jejo-fuzz")
