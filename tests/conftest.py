"""Shared fixtures: an isolated cache directory and a real-subprocess CLI runner."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from mgcalc.catalogue import Catalogue, packaged_catalogue

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _isolated_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    monkeypatch.setenv("MGCALC_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "cache"))
    monkeypatch.delenv("MGCALC_CATALOGUE", raising=False)
    yield


@pytest.fixture(scope="session")
def cat() -> Catalogue:
    return packaged_catalogue()


def run_cli(
    *args: str, env: dict[str, str] | None = None, input: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m mgcalc ARGS`` as a real process, stdout not a terminal."""
    full_env = {k: v for k, v in os.environ.items() if k not in ("MGCALC_CATALOGUE", "NO_COLOR")}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "mgcalc", *args],
        capture_output=True,
        text=True,
        env=full_env,
        input=input,
        timeout=60,
    )
