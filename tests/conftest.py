"""Shared test set-up: a fixed, bounded Hypothesis profile so every run is deterministic."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=150,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=1000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

_CI = os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):  # type: ignore[no-untyped-def]
    """Under CI (``CI=true``), a test skipped because LibreOffice is missing fails instead:
    CI installs LibreOffice, so such a skip would hide a broken install, not a missing tool."""
    outcome = yield
    report = outcome.get_result()
    if _CI and report.skipped and isinstance(report.longrepr, tuple):
        reason = str(report.longrepr[2])
        if "LibreOffice" in reason or "soffice" in reason:
            report.outcome = "failed"
            report.longrepr = f"CI=true but skipped: {reason}"


@pytest.fixture(scope="session", autouse=True)
def _libreoffice_profile_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The LibreOffice engine keeps a prepared profile between runs (XL_ADDIN_CACHE): the tests
    keep theirs in a temporary directory, never in the user's ~/.cache."""
    if "XL_ADDIN_CACHE" not in os.environ:
        os.environ["XL_ADDIN_CACHE"] = str(tmp_path_factory.mktemp("xl-addin-cache"))
