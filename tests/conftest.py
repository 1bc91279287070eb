"""Strict test settings shared by the whole suite.

* warnings are errors (``filterwarnings = error`` in pyproject.toml);
* NumPy floating-point errors (division by zero, invalid operations, overflow) raise
  instead of silently producing inf/NaN; underflow to 0 stays allowed;
* randomness comes from a ``numpy.random.Generator`` passed in through the ``rng``
  fixture (seeded per test, reproducible), never from a global seed;
* hypothesis runs without deadlines (one simulation takes 0.1-0.5 s), without an on-disk
  example database and derandomised (the same examples on every run, in CI and here);
  ``HYPOTHESIS_PROFILE=explore`` draws fresh random examples for a search by hand.
"""

from __future__ import annotations

import os
import zlib

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "default",
    deadline=None,
    database=None,
    print_blob=True,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("explore", parent=settings.get_profile("default"), derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

#: Base seed of the ``rng`` fixture; each test mixes in its own node id.
SEED = 20240611


@pytest.fixture(autouse=True)
def _numpy_errors_raise():
    """Floating-point trouble in NumPy is an exception, not a silent inf or NaN."""
    with np.errstate(divide="raise", over="raise", invalid="raise", under="ignore"):
        yield


@pytest.fixture
def rng(request) -> np.random.Generator:
    """A reproducible generator, different for every test (never a global seed)."""
    return np.random.default_rng([SEED, zlib.crc32(request.node.nodeid.encode())])


@pytest.fixture(scope="session")
def model():
    """The compiled model (compiled once per test session)."""
    from helpers import compiled_model

    return compiled_model()


@pytest.fixture(scope="session")
def simulator():
    """One default-parameter simulator shared by the session (it caches reference wells)."""
    import mscnk

    return mscnk.Simulator()
