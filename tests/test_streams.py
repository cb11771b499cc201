"""mgcalc as a process and its streams: pipes, closed and full streams, Ctrl-C, progress, the home folder.

Every reproducer of the streams part of issue 12 is a test here, run as a
real process (subprocess, and a pseudo-terminal where a terminal matters).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from .conftest import run_cli
from .pty_helper import environment, run_pty

MGCALC = [sys.executable, "-m", "mgcalc"]

#: One invocation of every command, each with enough output to fill a pipe where it can.
EVERY_COMMAND = [
    ["label", "500", "--form", "citrate"],
    ["label", "500", "--form", "citrate", "--json"],
    ["label", "500", "--form", "citrate", "--plain"],
    ["dose", "300", "--form", "oxide", "--tablet", "250"],
    ["absorb", "400", "--form", "citrate", "--elemental"],
    ["compare", "500", "--json"],
    ["compare", "500"],
    ["curve", "--form", "citrate", "--form", "oxide"],
    ["check", "--drug", "ciprofloxacin"],
    ["intake", "--age", "40", "--sex", "female"],
    ["parse", "Magnesium (as magnesium citrate) 200 mg"],
    ["forms"],
    ["forms", "--json"],
    ["forms", "citrate"],
    ["--help"],
]


def _one_line(stderr: str) -> str:
    assert "Traceback" not in stderr and "Exception ignored" not in stderr, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    return lines[0]


def _big_csv(tmp_path: Path, rows: int = 3000) -> Path:
    f = tmp_path / "big.csv"
    f.write_text("id,amount,form\n" + "".join(f"r{i},500,citrate\n" for i in range(rows)), encoding="utf-8")
    return f


# ---------------------------------------------------------------- nothing read or written in the home folder

#: Every command in one process (``main(argv)`` for each in turn) under an audit hook.
AUDIT = """
import json, os, sys
watched = tuple(os.path.realpath(os.environ[k]) for k in ("HOME", "XDG_CACHE_HOME"))
def hook(event, args):
    if event in ("open", "os.listdir", "os.scandir", "os.mkdir", "os.remove", "os.rename") and args:
        target = args[0]
        if isinstance(target, (str, bytes, os.PathLike)):
            path = os.path.realpath(os.fsdecode(target))
            if path.startswith(watched):
                os.write(2, ("TOUCHED " + path + "\\n").encode())
sys.addaudithook(hook)
from mgcalc.cli import main
codes = []
for argv in ARGVS:
    os.write(2, ("RUN " + " ".join(argv) + "\\n").encode())
    try:
        main(argv)
        codes.append(0)
    except SystemExit as e:
        codes.append(e.code)
    sys.stdout.flush()
os.write(2, ("CODES " + json.dumps(codes) + "\\n").encode())
"""

AUDITED = [
    *EVERY_COMMAND,
    ["batch", "{tmp}/in.csv"],
    ["batch", "{tmp}/in.csv", "--output-format", "csv"],
    ["label", "500", "--form", "citrate", "--catalogue", "{forms}"],
    ["--version"],
]


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() if p.is_file() else b"" for p in sorted(root.rglob("*"))}


def test_cli_reads_and_writes_nothing_in_home_or_cache(tmp_path: Path) -> None:
    """HOME and XDG_CACHE_HOME are read-only folders holding a planted cache file: no command
    opens, lists or writes anything there (an audit hook, set before mgcalc is imported, sees
    every open), and nothing changes."""
    from mgcalc.reference import packaged_path

    home, cache, work = tmp_path / "home", tmp_path / "cache", tmp_path / "work"
    for d in (home, cache, work, cache / "mgcalc", home / ".cache" / "mgcalc"):
        d.mkdir(parents=True, exist_ok=True)
    planted = b"cos\nsystem\n(S'echo PWNED > " + str(tmp_path / "pwned").encode() + b"'\ntR."
    for d in (cache / "mgcalc", home / ".cache" / "mgcalc"):
        (d / "reference.pickle").write_bytes(planted)
    (work / "in.csv").write_text("id,amount,form\na,500,citrate\n", encoding="utf-8")
    before = [_tree(home), _tree(cache)]
    argvs = [
        [a.replace("{tmp}", str(work)).replace("{forms}", str(packaged_path("forms.yaml"))) for a in args]
        for args in AUDITED
    ]
    env = {k: v for k, v in os.environ.items() if k not in ("MGCALC_CATALOGUE", "MGCALC_CACHE_DIR")}
    env.update(HOME=str(home), XDG_CACHE_HOME=str(cache), PYTHONDONTWRITEBYTECODE="1")
    for d in (home, cache):
        d.chmod(0o500)
    try:
        r = subprocess.run(
            [sys.executable, "-c", AUDIT.replace("ARGVS", repr(argvs))],
            cwd=work,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )
    finally:
        for d in (home, cache):
            d.chmod(0o700)
    assert r.returncode == 0, r.stderr
    touched, command = [], ""
    for line in r.stderr.splitlines():
        if line.startswith("RUN "):
            command = line[4:]
        elif line.startswith("TOUCHED "):
            touched.append(f"mgcalc {command}: {line}")
    assert not touched, touched
    assert r.stderr.splitlines()[-1] == "CODES " + json.dumps([0] * len(argvs)), r.stderr
    assert not (tmp_path / "pwned").exists()
    assert [_tree(home), _tree(cache)] == before


# ---------------------------------------------------------------- closed pipes, full and closed streams


@pytest.mark.parametrize(
    "args", [*EVERY_COMMAND, ["batch", "{big}"], ["batch", "{big}", "--output-format", "csv"]]
)
def test_a_closed_pipe_exits_0_quietly(tmp_path: Path, args: list[str]) -> None:
    """``mgcalc ... | head -c 1``: exit 0, no error on stderr (no 'Exception ignored', no exit 1 or 120).

    The notes a command always writes to stderr (``label --plain`` naming the salt it read) may
    still appear; nothing else may."""
    argv = [a.replace("{big}", str(_big_csv(tmp_path))) for a in args]
    p = subprocess.Popen([*MGCALC, *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=environment())
    assert p.stdout is not None and p.stderr is not None
    p.stdout.read(1)
    p.stdout.close()
    err = p.stderr.read().decode()
    assert p.wait(timeout=60) == 0, err
    assert [line for line in err.splitlines() if not line.startswith("mgcalc: read as ")] == []


def test_batch_into_head_exits_0(tmp_path: Path) -> None:
    big = _big_csv(tmp_path)
    r = subprocess.run(
        [
            "bash",
            "-c",
            f'{sys.executable} -m mgcalc batch {big} | head -1 > /dev/null; echo "${{PIPESTATUS[0]}}"',
        ],
        capture_output=True,
        text=True,
        env=environment(),
        timeout=60,
    )
    assert r.stdout.strip() == "0" and r.stderr == ""


@pytest.mark.parametrize(
    "args", [*EVERY_COMMAND, ["batch", "{big}"], ["batch", "{big}", "--output-format", "csv"]]
)
def test_a_full_stdout_is_one_line_and_exit_4(tmp_path: Path, args: list[str]) -> None:
    argv = [a.replace("{big}", str(_big_csv(tmp_path))) for a in args]
    with open("/dev/full", "wb") as full:
        r = subprocess.run(
            [*MGCALC, *argv], stdout=full, stderr=subprocess.PIPE, text=True, env=environment(), timeout=60
        )
    assert r.returncode == 4, r.stderr
    assert _one_line(r.stderr) == "mgcalc: error: cannot write the output: No space left on device"


@pytest.mark.parametrize("args", [["label", "500", "--form", "citrate"], ["batch", "{big}"], ["--help"]])
def test_a_closed_stdout_is_one_line_and_exit_4(tmp_path: Path, args: list[str]) -> None:
    argv = [a.replace("{big}", str(_big_csv(tmp_path))) for a in args]
    r = subprocess.run(
        ["bash", "-c", 'exec "$@" >&-', "-", *MGCALC, *argv], stderr=subprocess.PIPE, timeout=60
    )
    assert r.returncode == 4
    assert "standard output is closed" in _one_line(r.stderr.decode())


@pytest.mark.parametrize("args", [["batch"], ["batch", "-"], ["parse"], ["parse", "--json"]])
def test_a_closed_stdin_is_one_line_and_exit_2(args: list[str]) -> None:
    r = subprocess.run(
        ["bash", "-c", 'exec "$@" <&-', "-", *MGCALC, *args], capture_output=True, text=True, timeout=60
    )
    assert r.returncode == 2 and r.stdout == ""
    assert "standard input is closed" in _one_line(r.stderr)


def test_a_closed_stderr_changes_nothing_but_the_messages() -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["bash", "-c", 'exec "$@" 2>&-', "-", *MGCALC, *args],
            stdout=subprocess.PIPE,
            text=True,
            timeout=60,
        )

    assert run("label", "500", "--form", "unobtainium").returncode == 2
    plain = run(
        "dose", "300", "--form", "citrate", "--egfr", "20", "--plain"
    )  # an AVOID note would go to stderr
    assert plain.returncode == 0 and plain.stdout.strip() == "1856.1"


# ---------------------------------------------------------------- Ctrl-C


def _feed_records(fd: int, stop: threading.Event) -> None:
    """Write CSV records to ``fd`` until ``stop`` or the reader has gone; then close it."""
    block = "".join(f"r{i},500,citrate\n" for i in range(1000)).encode()
    try:
        os.write(fd, b"id,amount,form\n")
        while not stop.is_set():
            os.write(fd, block)
    except OSError:  # mgcalc has exited: its end of the pipe is closed
        pass
    finally:
        os.close(fd)


def test_ctrl_c_in_batch_says_how_many_records_were_written(tmp_path: Path) -> None:
    """Records keep coming down a pipe until Ctrl-C, so the batch cannot end first however the
    machine is loaded: SIGINT once the progress shows 1,000 records or more, mid-record or mid-read."""
    out = tmp_path / "out.ndjson"
    read_end, write_end = os.pipe()
    stop = threading.Event()
    feeder = threading.Thread(target=_feed_records, args=(write_end, stop), daemon=True)
    feeder.start()
    try:
        with out.open("wb") as fh:
            run = run_pty(
                ["batch", "-"],
                stdin=read_end,
                stdout=fh,
                interrupt_when=lambda screen: re.search(rb"[1-9][\d,]{4,} records", screen) is not None,
            )
    finally:
        os.close(read_end)
        stop.set()
        feeder.join(timeout=30)
    assert run.returncode == 130, run.text
    assert "Traceback" not in run.screen
    summary = [line for line in run.text.splitlines() if "interrupted" in line]
    assert len(summary) == 1, run.text
    written = int(summary[0].split("after ")[1].split(" record")[0].replace(",", ""))
    lines = out.read_bytes().split(b"\n")
    assert lines[-1] == b"" and len(lines) - 1 == written  # every record written is whole
    assert written >= 1_000  # at least what the progress showed


@pytest.mark.parametrize("command", ["batch", "parse"])
def test_ctrl_c_while_waiting_for_terminal_input(command: str, tmp_path: Path) -> None:
    """SIGINT once mgcalc has printed its hint and is blocked reading the terminal (not merely
    about to: a signal just before the read would be a race of the test's own making)."""
    with (tmp_path / "out").open("wb") as fh:
        run = run_pty(
            [command],
            stdout=fh,
            stdin_pty=True,
            interrupt_when=lambda screen: b"Ctrl-D" in screen,
            interrupt_reading=True,
        )
    assert run.returncode == 130 and "Traceback" not in run.screen, run.text
    if command == "batch":
        assert "mgcalc: interrupted after 0 record(s) written" in run.text


#: SIGINT at the Nth Python function call of mgcalc's run (imports included), for every N up to 64
#: and then every 1.5x until the run ends first: the same points on every run, however loaded the
#: machine.
#: One process imports mgcalc.cli (as the console script does) and forks a child per point.
INTERRUPT_AT_EVERY_CALL = """
import json, os, signal, sys, tempfile
from mgcalc.cli import main  # the console script's own import; from here on mgcalc's code runs

points, n = list(range(1, 65)), 64.0
while n < 50_000_000:
    n *= 1.5
    points.append(int(n))
for at in points:
    out = tempfile.TemporaryFile()
    pid = os.fork()
    if pid == 0:
        os.dup2(out.fileno(), 1)
        os.dup2(out.fileno(), 2)
        os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
        calls = [0]

        def count(frame, event, arg):
            calls[0] += 1
            if calls[0] == at + 1:  # the Nth call after main()'s own
                sys.settrace(None)
                ours = signal.getsignal(signal.SIGINT) is not signal.default_int_handler
                os.write(1, f"@{frame.f_code.co_filename}:{frame.f_code.co_name} handler={ours}\\n".encode())
                os.kill(os.getpid(), signal.SIGINT)

        sys.argv = ["mgcalc", "compare", "500"]
        sys.settrace(count)
        main()
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    out.seek(0)
    text = out.read().decode("utf-8", "replace")
    where = next((line[1:] for line in text.splitlines() if line.startswith("@")), "")
    print(json.dumps({"at": at, "status": os.waitstatus_to_exitcode(status), "where": where, "output": text}))
    if at > 64 and not where:  # the command finished before this point: so will it before the next
        break
"""


def _interrupted_everywhere() -> list[dict[str, object]]:
    r = subprocess.run(
        [sys.executable, "-c", INTERRUPT_AT_EVERY_CALL],
        capture_output=True,
        text=True,
        env=environment(),
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    runs = [json.loads(line) for line in r.stdout.splitlines()]
    assert len(runs) > 64 and runs[-1]["status"] == 0 and not runs[-1]["where"], (
        "the last point is past the end"
    )
    return runs


def _bad(run: dict[str, object]) -> bool:
    text = str(run["output"])
    return run["status"] not in (130, 0) or "Traceback" in text or "Exception ignored" in text


@pytest.fixture(scope="module")
def interrupted_everywhere() -> list[dict[str, object]]:
    return _interrupted_everywhere()


def test_ctrl_c_during_start_up_exits_130_without_a_traceback(
    interrupted_everywhere: list[dict[str, object]],
) -> None:
    """SIGINT at any moment of mgcalc's run once its Ctrl-C handler is in place, imports
    included: exit 130 (or 0 if the command had finished), never a traceback."""
    bad = [r for r in interrupted_everywhere if _bad(r) and "handler=True" in str(r["where"])]
    assert not bad, bad[0]


def test_ctrl_c_before_the_handler_is_in_place_exits_130_without_a_traceback(
    interrupted_everywhere: list[dict[str, object]],
) -> None:
    bad = [r for r in interrupted_everywhere if _bad(r)]
    assert not bad, bad[0]


# ---------------------------------------------------------------- progress, and the terminal hint


def test_progress_goes_to_a_terminal_stderr_with_count_rate_and_eta(tmp_path: Path) -> None:
    """``batch big.csv > out``: the progress (records, rate, %, ETA) shows on the terminal, and the
    file holds exactly the records (no blank line, no progress text)."""
    big = _big_csv(tmp_path, 5_000)  # the progress shows from the first record
    out = tmp_path / "out.ndjson"
    with out.open("wb") as fh:
        run = run_pty(["batch", str(big)], stdout=fh)
    assert run.returncode == 0, run.screen
    assert "records" in run.screen and "/s" in run.screen and "ETA" in run.screen and "%" in run.screen
    data = out.read_bytes()
    assert data.startswith(b'{"line":2,') and data.count(b"\n") == 5_000 and b"\n\n" not in data


def test_no_progress_when_stderr_is_not_a_terminal(tmp_path: Path) -> None:
    big = _big_csv(tmp_path, 5_000)
    out = tmp_path / "out.ndjson"
    with out.open("wb") as fh:
        run = run_pty(["batch", str(big)], stdout=fh, stderr_to_pty=False)
    assert run.returncode == 0 and run.stderr == "" and run.screen == ""


@pytest.mark.parametrize(
    ("args", "typed"),
    [(["batch"], b"id,amount,form\nt1,500,citrate\n"), (["parse"], b"Magnesium citrate 500 mg\n")],
)
def test_reading_from_a_terminal_prints_a_hint(tmp_path: Path, args: list[str], typed: bytes) -> None:
    out = tmp_path / "out"
    with out.open("wb") as fh:
        run = run_pty(args, stdout=fh, feed=typed)
    assert run.returncode == 0, run.screen
    assert "end with Ctrl-D" in run.screen
    assert out.read_bytes().strip()
    piped = run_cli(*args, input=typed.decode())
    assert "Ctrl-D" not in piped.stderr


# ---------------------------------------------------------------- arguments, locales, exit codes


def test_arguments_that_are_not_utf8() -> None:
    """Python gives such an argument to mgcalc as os.fsdecode does (surrogate escapes)."""
    for args in (
        [b"parse", b"\xffMagnesium citrate 500 mg", b"--json"],
        [b"label", b"500", b"--form", b"citr\xe9te", b"--json"],
        [b"label", b"500", b"--form", b"citrate", b"--drug", b"\xfe"],
    ):
        r = run_cli(*map(os.fsdecode, args))
        assert r.returncode == 2 and r.stdout == ""
        assert "not valid UTF-8" in r.stderr and "\\x" in r.stderr
        _one_line(r.stderr)


def test_a_file_name_that_is_not_utf8_is_read(tmp_path: Path) -> None:
    name = os.fsencode(tmp_path) + b"/in\xff.csv"
    with open(name, "wb") as fh:
        fh.write(b"id,amount,form\na,500,citrate\n")
    r = run_cli("batch", os.fsdecode(name))
    assert r.returncode == 0 and json.loads(r.stdout)["id"] == "a"


@pytest.mark.parametrize("encoding", ["latin-1", "ascii"])
def test_output_encodes_under_any_locale(tmp_path: Path, encoding: str) -> None:
    f = tmp_path / "in.csv"
    f.write_text("id,amount,form\né€,500,citrate\n", encoding="utf-8")
    env = {"PYTHONIOENCODING": encoding}
    csv_out = run_cli("batch", str(f), "--output-format", "csv", env=env)
    assert csv_out.returncode == 0, csv_out.stderr
    nd = run_cli("batch", str(f), env=env)
    assert nd.returncode == 0 and json.loads(nd.stdout)["id"] == "é€"
    one = run_cli("parse", "Magnesium citrate 500 mg €", "--json", env=env)
    assert one.returncode == 0 and json.loads(one.stdout)["text"].endswith("€")
    human = subprocess.run(
        [*MGCALC, "label", "500", "--form", "citrate", "--drug", "Düsseldorf-€"],
        capture_output=True,
        env=environment(env),
        timeout=60,
    )
    assert human.returncode == 0 and human.stderr == b""
    assert "Düsseldorf-".encode(encoding, "backslashreplace") in human.stdout


def test_csv_output_is_utf8_whatever_the_locale(tmp_path: Path) -> None:
    f = tmp_path / "in.csv"
    f.write_text("id,amount,form\né€,500,citrate\n", encoding="utf-8")
    r = run_cli("batch", str(f), "--output-format", "csv", env={"PYTHONIOENCODING": "latin-1"})
    assert r.returncode == 0 and "é€" in r.stdout  # read back as UTF-8


def test_a_bad_global_option_is_exit_2_before_any_record(tmp_path: Path) -> None:
    f = tmp_path / "in.csv"
    f.write_text("id,amount,form\na,500,citrate\n", encoding="utf-8")
    for args in (["--condition", "bogus"], ["--egfr", "-1"], ["--delimiter", "pipe"], ["--sex", "x"]):
        r = run_cli("batch", str(f), *args)
        assert r.returncode == 2 and r.stdout == "", (args, r.stdout)
        _one_line(r.stderr)
    bad = tmp_path / "bad.csv"
    bad.write_text("id,amount,form,amount\na,500,citrate,1\n", encoding="utf-8")
    r = run_cli("batch", str(bad), "--output-format", "csv")
    assert r.returncode == 2 and r.stdout == "" and "twice" in _one_line(r.stderr)


def test_fail_on_wins_over_failed_records_and_both_are_reported(tmp_path: Path) -> None:
    f = tmp_path / "in.csv"
    f.write_text("id,amount,form\na,500,citrate\nb,500,bogus\n", encoding="utf-8")
    r = run_cli("batch", str(f), "--egfr", "20", "--fail-on", "avoid")
    assert r.returncode == 3
    assert "1 of 2 record(s) failed" in r.stderr
    assert run_cli("batch", str(f)).returncode == 1


def test_exit_codes_are_the_documented_ones() -> None:
    from mgcalc.cli.output import ExitStatus

    assert {s.name: int(s) for s in ExitStatus} == {
        "OK": 0,
        "RECORDS_FAILED": 1,
        "BAD_INPUT": 2,
        "CAUTION": 3,
        "OUTPUT_FAILED": 4,
        "INTERNAL": 70,
        "INTERRUPTED": 130,
    }
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    for status in ExitStatus:
        assert f"| {int(status)} |" in readme, status


def test_the_readme_documents_streams_dialects_progress_and_completion() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    for needle in (
        "--delimiter",
        "semicolon",
        "id_hex",
        "_MGCALC_COMPLETE",
        "ETA",
        "FORCE_COLOR",
        "--sources",
        "--brief",
    ):
        assert needle in readme, needle


def test_stderr_hint_text_is_for_people_only() -> None:
    text = textwrap.dedent("""\
        id,amount,form
        a,500,citrate
    """)
    r = run_cli("batch", input=text)
    assert r.returncode == 0 and r.stderr == ""
