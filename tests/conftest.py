"""Shared fixtures: the packaged data bundle, and a real-subprocess CLI runner."""

from __future__ import annotations

import os
import subprocess
import sys
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from mgcalc.reference import packaged_reference
from mgcalc.schema.data import Catalogue, Reference

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def ref() -> Reference:
    return packaged_reference()


@pytest.fixture(scope="session")
def cat() -> Catalogue:
    return packaged_reference().catalogue


def elemental(amount_mg: float, pct: float = 100.0, decimals: int = 1) -> Decimal:
    """``amount_mg`` x ``pct`` / 100 in exact decimal arithmetic, rounded half-up as people do."""
    exact = Decimal(str(amount_mg)) * Decimal(str(pct)) / 100
    return exact.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def human_mg(amount_mg: float, pct: float = 100.0, decimals: int = 1) -> str:
    """How mgcalc shows that figure to people: "80.8 mg", "1,000 mg" (a trailing .0 dropped)."""
    text = f"{elemental(amount_mg, pct, decimals):,.{decimals}f}"
    return f"{text.removesuffix('.' + '0' * decimals) if decimals else text} mg"


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
