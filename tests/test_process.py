"""The process layer (mgcalc.cli.process): the console script's tricks never change what a user
sees, and a call from Python gets none of them."""

from __future__ import annotations

import gc
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from mgcalc.cli import process

SRC = Path(__file__).resolve().parent.parent / "src"
ENV = {**os.environ, "PYTHONPATH": str(SRC)}
CONSOLE = "import sys\nsys.argv = ['mgcalc', *sys.argv[1:]]\nfrom mgcalc.cli import main\nmain()\n"


def _console(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-c", CONSOLE, *args], capture_output=True, env=ENV, timeout=120)


def test_the_console_script_flushes_all_of_a_long_output_before_it_ends() -> None:
    r = _console("forms", "--json")
    assert r.returncode == 0 and r.stderr == b""
    assert r.stdout.endswith(b"]\n") and r.stdout.count(b'"id"') > 50


def test_the_console_script_keeps_the_exit_status_and_the_one_line_error() -> None:
    r = _console("label", "500", "--form", "unobtainium")
    assert r.returncode == 2
    assert r.stderr.decode().startswith("mgcalc: error: --form: ") and r.stderr.count(b"\n") == 1


def test_a_full_disk_is_reported_once_with_exit_4() -> None:
    with open("/dev/full", "wb") as full:
        r = subprocess.run(
            [sys.executable, "-c", CONSOLE, "forms"],
            stdout=full,
            stderr=subprocess.PIPE,
            env=ENV,
            timeout=120,
        )
    assert r.returncode == 4
    assert r.stderr.decode().count("mgcalc: error:") == 1 and b"Exception ignored" not in r.stderr


def test_a_call_from_python_gets_no_trick(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(os, "_exit", lambda code: pytest.fail(f"os._exit({code})"))
    handler = signal.getsignal(signal.SIGINT)
    with pytest.raises(SystemExit) as done:
        process.run(["convert", "400", "mg", "--json"])
    assert done.value.code == 0 and '"mmol"' in capsys.readouterr().out
    assert gc.isenabled() and signal.getsignal(signal.SIGINT) is handler


def test_every_trick_kept_says_what_it_buys() -> None:
    """A trick is kept only with its measured gain written beside it (docs/performance.md)."""
    source = Path(process.__file__).read_text(encoding="utf-8")
    for trick in process.TRICKS:
        after = source[source.index(f'"{trick}" in TRICKS') :].splitlines()[1:]
        comment = []  # the comment right under the trick's own test, not another trick's
        for line in after:
            if not line.strip().startswith("#"):
                break
            comment.append(line.strip().lstrip("# "))
        text = " ".join(comment)
        assert re.search(r"Measured: label [\d.]+ -> [\d.]+ M instructions \(-\d+\.\d %\)", text), trick


def test_the_console_script_imports_only_signal_before_its_ctrl_c_handler() -> None:
    """Ctrl-C meets Python's default handler (a traceback) until mgcalc's is in place: the code
    before it, from the console script's ``from mgcalc.cli import main`` to the handler, imports
    no module but ``signal`` that Python had not loaded already."""
    probe = (
        "import re, signal as _s, sys\n"
        "del sys.modules['signal']\n"
        "before = set(sys.modules)\n"
        "from mgcalc.cli import process\n"
        "loaded = sorted(m for m in set(sys.modules) - before if not m.startswith('mgcalc'))\n"
        "seen = []\n"
        "process._no_plugin_loader = lambda: seen.append(sys.modules['signal'].getsignal(2))\n"
        "process._console()\n"
        "print(loaded, seen[0] is process.interrupted)\n"
    )
    env = {**ENV, "PYDANTIC_DISABLE_PLUGINS": "__all__"}
    r = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["['signal']", "True"]
