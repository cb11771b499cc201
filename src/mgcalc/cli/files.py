"""Output files of the commands that write them (``plan --html/--ics/--fhir``, ``curve --svg``):
never over an input, never over something that is not a file, written whole or not at all."""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

from mgcalc.cli.exits import OutputFailed
from mgcalc.cli.terminal import current
from mgcalc.errors import MgcalcError, literal

#: The name that means standard output.
STDOUT = "-"


def _where(path: Path) -> str:
    """Where writing ``path`` puts the file: its folder resolved, its own name not followed (a
    symlink there is replaced, not written through)."""
    if path.name in ("", ".", ".."):
        return os.path.realpath(path)
    return os.path.join(os.path.realpath(path.parent), path.name)


def _same(a: Path, b: Path) -> bool:
    """Whether ``a`` and ``b`` are one file: the same place, or (through links) the same inode."""
    if _where(a) == _where(b) or os.path.realpath(a) == os.path.realpath(b):
        return True
    try:
        return os.path.samefile(a, b)
    except (OSError, ValueError):
        return False


def streamed(path: Path) -> bool:
    """Whether ``path`` (links followed) is a pipe (FIFO) or a character device (``/dev/stdout``,
    ``/dev/null``, a terminal, ``>(...)``): written into as it is, since it cannot be replaced."""
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISCHR(mode)


def not_a_file(path: Path) -> str | None:
    """What ``path`` is when no file can be written there ("a directory", "a socket", "a block
    device", "in a folder that does not exist"), else None (absent, a regular file, a link to one, or
    ``streamed``)."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        try:
            os.lstat(path)
        except FileNotFoundError:
            if not os.path.isdir(path.parent if str(path.parent) else "."):
                return "in a folder that does not exist"
            return None
        except (OSError, ValueError):
            return None
        return None  # a dangling symlink: replaced by the file
    except (OSError, ValueError):
        return None  # not readable here: the write itself says why (exit 4)
    if stat.S_ISREG(mode) or stat.S_ISFIFO(mode) or stat.S_ISCHR(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISBLK(mode):
        return "a block device (a disk)"
    return "not a regular file"


def check_outputs(outputs: dict[str, Path | None], inputs: list[Path]) -> None:
    """Refuse (MgcalcError, exit 2) outputs that would overwrite an input of the command or each
    other, or that name something no file can be written as (a directory, a socket, a block device,
    a folder that does not exist). ``outputs`` maps a flag (``--html``) to its file (or ``-``,
    stdout, or None: not asked)."""
    given = [(flag, p) for flag, p in outputs.items() if p is not None]
    for i, (flag, p) in enumerate(given):
        for other, q in given[:i]:
            if str(p) == STDOUT and str(q) == STDOUT:
                raise MgcalcError(f"{other} and {flag} both write to standard output ('-'): choose one")
            if STDOUT not in (str(p), str(q)) and _same(p, q):
                raise MgcalcError(f"{other} and {flag} name the same file '{literal(p)}': give two names")
        if str(p) == STDOUT:
            continue
        for inp in inputs:
            if _same(p, inp):
                also = "" if str(inp) == str(p) else f" ('{literal(inp)}')"
                raise MgcalcError(
                    f"{flag}: '{literal(p)}' is an input of this command{also}: "
                    "writing it would destroy it; give another name"
                )
        what = not_a_file(p)
        if what is not None:
            raise MgcalcError(f"{flag}: '{literal(p)}' is {what}: give the name of a file to write")


def write_output(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically: a temporary file in the same folder, flushed to disk
    (fsync), then renamed over ``path`` (os.replace). A reader sees the old file or the new one, never
    a part; on any failure the old file is left as it was and the temporary file removed. A symlink
    at ``path`` to a file, or a dangling one, is replaced by the file, not followed. ``-`` writes to
    standard output. A pipe (FIFO) or a character device at ``path`` (links followed) is written
    into as it is (it cannot be replaced; a reader gets the data as it comes); anything else that is
    not a regular file (a directory, a socket, a block device) is refused with MgcalcError (exit 2)
    and never replaced. Raises OSError when the writing fails."""
    if str(path) == STDOUT:
        out = current().out
        buffer = getattr(out, "buffer", None)
        out.flush()
        if buffer is not None:
            buffer.write(data)
            buffer.flush()
        else:
            out.write(data.decode("utf-8"))
            out.flush()
        return
    if streamed(path):
        with open(path, "wb") as fh:
            fh.write(data)
        return
    what = not_a_file(path)
    if what is not None:
        raise MgcalcError(f"'{literal(path)}' is {what}: give the name of a file to write")
    import tempfile  # here: only a command that writes a file pays for it

    folder = path.parent
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
            umask = os.umask(0)
            os.umask(umask)
            os.fchmod(fh.fileno(), 0o666 & ~umask)  # as open() would have made it, not mkstemp's 0600
        _replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError):  # the rename itself to disk: best effort (not on every system)
        dfd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)


def write_file(flag: str, path: Path, data: bytes) -> None:
    """``write_output`` for a command's ``flag`` (``--html``, ``--svg``): a failure is OutputFailed
    (exit 4) naming the flag and the file, and saying the previous file is unchanged where there
    was one to keep. A closed pipe stays BrokenPipeError (a reader that stopped: not an error)."""
    try:
        write_output(path, data)
    except BrokenPipeError:
        raise
    except OSError as e:
        kept = "" if streamed(path) else " (any previous file is unchanged)"
        raise OutputFailed(
            f"{flag}: cannot write '{literal(path)}': {literal(e.strerror or e)}{kept}"
        ) from None


def _replace(tmp: str, path: Path) -> None:
    """``os.replace(tmp, path)``, unless ``path`` became something other than a regular file or a
    symlink since it was checked (then OSError, and nothing is replaced)."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        mode = None
    if mode is not None and not (stat.S_ISREG(mode) or stat.S_ISLNK(mode)):
        raise OSError(f"'{path}' is no longer a regular file")
    os.replace(tmp, path)
