"""Run mgcalc as a real process on a pseudo-terminal (python's pty module), for the terminal tests."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")

#: A bound on a hang, not a wait: every run ends by itself in a few seconds, even on a loaded machine.
TIMEOUT = 30.0
#: Once one run has hung, the later ones wait this long at most: one hang costs one TIMEOUT, not one each.
TIMEOUT_AFTER_A_HANG = 5.0
_hangs = [0]
#: The read system call's number, per machine (the first field of /proc/PID/syscall).
READ_SYSCALL = {"x86_64": 0, "aarch64": 63, "riscv64": 63, "ppc64le": 3, "s390x": 3, "i686": 3}


def blocked_reading(pid: int, fd: int = 0) -> bool | None:
    """Whether process ``pid`` is blocked in read(fd) right now (Linux: /proc/PID/syscall); None
    where that cannot be told. A signal sent then interrupts the read: no race with reaching it."""
    number = READ_SYSCALL.get(os.uname().machine)
    try:
        with open(f"/proc/{pid}/syscall", encoding="ascii") as fh:
            fields = fh.read().split()
    except OSError:
        return None
    if number is None or not fields:
        return None
    if fields[0] == "running" or len(fields) < 2:
        return False
    try:
        return int(fields[0]) == number and int(fields[1], 16) == fd
    except ValueError:
        return None


@dataclass
class PtyRun:
    returncode: int
    screen: str  # what the terminal received (stdout and/or stderr), \r\n as \n
    stderr: str = ""  # stderr when it was not the terminal

    @property
    def text(self) -> str:
        """The screen without escape codes and carriage-return redraws (the last state of each line)."""
        lines = []
        for line in ANSI.sub("", self.screen).split("\n"):
            lines.append(line.rsplit("\r", 1)[-1])
        return "\n".join(lines)


def environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in ("MGCALC_CATALOGUE", "NO_COLOR", "FORCE_COLOR", "COLUMNS", "PAGER", "MGCALC_PAGER", "LINES")
    }
    if not {"PAGER", "MGCALC_PAGER"} & set(extra or {}):
        env["MGCALC_PAGER"] = ""  # the tests read the screen: no pager unless a test sets one
    env.setdefault("TERM", "xterm")
    if env["TERM"] == "dumb":
        env["TERM"] = "xterm"
    env.update(extra or {})
    return env


def run_pty(
    args: list[str],
    *,
    cols: int = 80,
    stdout: IO[bytes] | None = None,
    stderr_to_pty: bool = True,
    stdin_pty: bool = False,
    stdin: int | None = None,
    env: dict[str, str] | None = None,
    feed: bytes | None = None,
    interrupt_when: Callable[[bytes], bool] | None = None,
    interrupt_reading: bool = False,
    timeout: float = TIMEOUT,
) -> PtyRun:
    """Run ``python -m mgcalc ARGS`` with a terminal of ``cols`` columns.

    stdout is the terminal unless ``stdout`` is given (a file); stderr too
    unless ``stderr_to_pty`` is False (then it is captured). stdin is
    /dev/null, the terminal with ``stdin_pty``, or the descriptor ``stdin``.
    With ``feed``, stdin is the terminal and the bytes are typed, then Ctrl-D.
    With ``interrupt_when``, SIGINT is sent once the screen so far satisfies
    it (and, with ``interrupt_reading``, once mgcalc is blocked reading its
    stdin). ``timeout`` only bounds a hang: the run is then killed.
    """
    if _hangs[0]:
        timeout = min(timeout, TIMEOUT_AFTER_A_HANG)
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, cols, 0, 0))
    if stdin_pty or feed is not None:
        stdin = slave
    proc = subprocess.Popen(
        [sys.executable, "-m", "mgcalc", *args],
        stdin=stdin if stdin is not None else subprocess.DEVNULL,
        stdout=stdout if stdout is not None else slave,
        stderr=slave if stderr_to_pty else subprocess.PIPE,
        env=environment(env),
        close_fds=True,
    )
    os.close(slave)
    screen = b""
    fed = False
    interrupted = False
    deadline = time.monotonic() + timeout
    hung = False
    while time.monotonic() < deadline:
        if feed is not None and not fed and b"Ctrl-D" in screen:
            os.write(master, feed)
            os.write(master, b"\x04")
            fed = True
        if (
            interrupt_when is not None
            and not interrupted
            and interrupt_when(screen)
            and (not interrupt_reading or blocked_reading(proc.pid) is not False)
        ):
            proc.send_signal(signal.SIGINT)
            interrupted = True
        ready, _, _ = select.select([master], [], [], 0.05)
        if ready:
            try:
                data = os.read(master, 65536)
            except OSError:
                data = b""
            if not data:
                break
            screen += data
        elif proc.poll() is not None:
            break
    else:
        hung = True
    if not hung:  # the terminal is closed (or was never mgcalc's): the process may still be working
        try:
            proc.wait(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            hung = True
    if hung:
        proc.kill()
        _hangs[0] += 1
        proc.wait()
    err = proc.stderr.read().decode("utf-8", "replace") if proc.stderr is not None else ""
    os.close(master)
    return PtyRun(proc.returncode, screen.decode("utf-8", "replace").replace("\r\n", "\n"), err)
