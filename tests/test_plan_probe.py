"""plan and curve one step off the documented path (the meds and batch probes): the laxative caution
judges the dose taken at once in the timetable, a caution is said once, errors name the regimen's
line and field, and an output never replaces an input or something that is not a file."""

from __future__ import annotations

import errno
import os
import socket
import stat
import threading
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from mgcalc import MgcalcError
from mgcalc.cli import files
from mgcalc.cli.files import write_output
from mgcalc.core.plan import RegimenError, _laxative_cautions, patterns, plan, read_product
from mgcalc.core.safety import ANTACID_NOTE, laxative_level
from mgcalc.numbers import mg
from mgcalc.reference import packaged_reference
from mgcalc.schema.plan import WEEKDAYS, Regimen
from mgcalc.schema.results import Caution

from .conftest import run_cli

REF = packaged_reference()
DAY = {"wake": "07:00", "sleep": "23:00", "meals": ["07:30", "12:30", "19:00"]}


def _plan(data: dict[str, Any]) -> Any:
    return plan(REF, Regimen.model_validate({"day": DAY, **data}))


def _laxative(r: Any) -> list[Caution]:
    return [c for c in r.cautions if c.code == "laxative"]


def _mg(form: str, amount: float, **more: Any) -> dict[str, Any]:
    return {"form": form, "amount": f"{amount:g} mg", "elemental": True, **more}


# ---------------------------------------------------------------- the laxative caution: the dose at once


def test_two_servings_are_two_doses_not_one_of_the_day_total() -> None:
    # the probe's sv.yaml: two 200 mg doses at 07:00 and 23:00 were "400 mg of magnesium at once"
    r = _plan({"person": {"age": 40, "sex": "male"}, "magnesium": [_mg("glycinate", 200, servings=2)]})
    assert [i.time for i in r.schedule if i.kind == "magnesium"] == ["07:00", "23:00"]
    assert not _laxative(r)
    assert not any("at once" in c.message for c in r.cautions)
    assert any(c.code == "upper-limit" for c in r.cautions)  # the day's total still meets the UL


def test_each_product_is_judged_by_its_own_dose() -> None:
    # lax.yaml: glycinate 100 mg and oxide 300 mg, at different times: 300 mg of oxide at once
    r = _plan({"magnesium": [_mg("glycinate", 100), _mg("oxide", 300)]})
    lax = _laxative(r)
    assert [c.message.split(":")[0] for c in lax] == ["300 mg of magnesium at once from Magnesium oxide"]
    oxide = REF.catalogue.resolve("oxide")
    assert lax[0].level == laxative_level(REF, oxide, 300)


def test_one_large_serving_still_gets_the_caution() -> None:
    r = _plan({"magnesium": [_mg("glycinate", 400)]})
    (c,) = _laxative(r)
    assert c.level == "caution" and c.message.startswith("400 mg of magnesium at once from")


@pytest.mark.parametrize(("amount", "expected"), [(150, None), (400, "400 mg")])
def test_an_as_needed_product_is_one_serving_at_once(amount: int, expected: str | None) -> None:
    # a max_per_day-3 as-needed citrate of 150 mg was "450 mg at once"
    r = _plan({"magnesium": [_mg("citrate", amount, as_needed=True, max_per_day=3)]})
    lax = _laxative(r)
    assert r.daily_elemental_mg_max == 3 * amount
    if expected is None:
        assert not lax
    else:
        assert lax and all(c.message.startswith(f"{expected} of magnesium at once") for c in lax)


def test_a_day_with_no_timetable_still_judges_each_serving() -> None:
    # raltegravir blocks the day: the products have no times; each serving is still one dose
    r = _plan(
        {
            "medicines": [{"name": "raltegravir", "times": ["08:00"]}],
            "magnesium": [_mg("glycinate", 400), _mg("citrate", 100, servings=3)],
        }
    )
    assert r.no_timetable_reason
    assert [c.message.split(":")[0] for c in _laxative(r)] == [
        "400 mg of magnesium at once from Magnesium bisglycinate"
    ]


def test_products_taken_at_the_same_time_are_added_up() -> None:
    # the solver spreads doses apart, but a dose made of two products at one time is taken at once
    reg = Regimen.model_validate({"day": DAY, "magnesium": [_mg("glycinate", 200), _mg("citrate", 200)]})
    readings = [read_product(REF, p, n) for n, p in enumerate(reg.magnesium)]
    from mgcalc.core.plan import _profile

    pats = patterns(reg)
    together = _laxative_cautions(REF, _profile(reg), reg, readings, pats, [[(480, 0), (480, 1)]])
    apart = _laxative_cautions(REF, _profile(reg), reg, readings, pats, [[(480, 0), (1200, 1)]])
    assert all(not v for v in apart.values())
    messages = [c.message for v in together.values() for c in v]
    assert messages and all(
        m.startswith(
            "400 mg of magnesium at once at 08:00 from Magnesium bisglycinate 200 mg elemental (200 mg) "
            "+ Magnesium citrate"
        )
        for m in messages
    )


@settings(max_examples=30, deadline=None)
@given(amount=st.integers(min_value=10, max_value=1200), servings=st.integers(min_value=1, max_value=4))
def test_the_laxative_level_is_that_of_one_dose_whatever_the_servings(amount: int, servings: int) -> None:
    """The rule: a plan's laxative caution is label's for one dose (`label --per-day`): the number of
    servings a day never changes it, since each serving is taken as one dose."""
    r = _plan({"magnesium": [_mg("glycinate", amount, servings=servings)]})
    form = REF.catalogue.resolve("glycinate")
    lax = _laxative(r)
    if r.schedule and len([i for i in r.schedule if i.kind == "magnesium"]) == servings:
        want = laxative_level(REF, form, amount)
        assert [c.level for c in lax] == ([want] if want else [])
        assert all(c.message.startswith(f"{mg(amount)} of magnesium at once") for c in lax)


# ---------------------------------------------------------------- each caution once


def _mentions(r: Any, word: str) -> list[Caution]:
    return [c for c in r.cautions if c.message.lower().startswith(word)]


def test_an_antacid_rule_is_said_once_without_the_note_for_an_antacid_product() -> None:
    r = _plan({"medicines": [{"name": "atazanavir", "times": ["08:00"]}], "magnesium": [_mg("oxide", 100)]})
    (c,) = _mentions(r, "atazanavir")
    assert ANTACID_NOTE not in c.message


@pytest.mark.parametrize("forms", [["oxide", "glycinate"], ["glycinate"]])
def test_an_antacid_rule_keeps_its_note_where_not_every_product_is_an_antacid(forms: list[str]) -> None:
    r = _plan(
        {
            "medicines": [{"name": "atazanavir", "times": ["08:00"]}],
            "magnesium": [_mg(f, 100) for f in forms],
        }
    )
    (c,) = _mentions(r, "atazanavir")
    assert ANTACID_NOTE in c.message


def test_no_caution_is_printed_twice() -> None:
    r = _plan(
        {
            "medicines": [
                {"name": "atazanavir", "times": ["08:00"]},
                {"name": "ciprofloxacin 500 mg", "times": ["09:00"]},
            ],
            "magnesium": [_mg("oxide", 100), _mg("hydroxide", 100), _mg("carbonate", 50)],
        }
    )
    bare = [(c.code, c.message.replace(ANTACID_NOTE, "")) for c in r.cautions]
    assert len(bare) == len(set(bare))


# ---------------------------------------------------------------- errors name the regimen's line


def _regimen_file(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "reg.yaml"
    p.write_text(text, encoding="utf-8")
    return p


MG = "magnesium: [{form: glycinate, amount: 100 mg, elemental: true}]\n"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            'medicines:\n  - {name: "  ", times: ["08:00"]}\n' + MG,
            "reg.yaml: line 2: medicines.0.name: a medicine name is empty",
        ),
        (
            'medicines:\n  - {name: cipro, times: ["08:00"]}\n  - {name: levothyroxin, times: ["09:00"]}\n'
            + MG,
            "reg.yaml: line 3: medicines.1.name: 'levothyroxin' is not a medicine mgcalc knows",
        ),
        (
            "person: {age: 40,\n  pregnant: true,\n  sex: male}\n" + MG,
            "reg.yaml: line 3: person.sex: pregnancy and lactation need sex female",
        ),
        (
            'medicines:\n  - {name: Cipro, cleared: true, times: ["08:00"]}\n' + MG,
            "reg.yaml: line 2: medicines.0.cleared: 'Cipro' is ciprofloxacin",
        ),
        (
            "person:\n  egfr: 60\n  ckd_stage: 4\n" + MG,
            "reg.yaml: line 2: person.egfr: eGFR 60 is not in CKD stage 4",
        ),
        ("person:\n  ckd_stage: 7\n" + MG, "reg.yaml: line 2: person.ckd_stage: CKD stage must be one of"),
        (
            "person:\n  conditions: [gout]\n" + MG,
            "reg.yaml: line 2: person.conditions: unknown condition 'gout'",
        ),
        (
            "magnesium:\n  - {form: citrat, amount: 100 mg}\n",
            "reg.yaml: line 2: magnesium.0.form: unknown form",
        ),
        (
            "magnesium:\n  - {form: citrate, amount: 5 kg}\n",
            "reg.yaml: line 2: magnesium.0.amount: unknown unit",
        ),
        ("magnesium:\n  - label: Vitamin C 100 mg\n", "reg.yaml: line 2: magnesium.0.label:"),
        ("magnesium:\n  - {panel: /etc/hostname}\n", "reg.yaml: line 2: magnesium.0.panel:"),
        ("magnesium:\n  - {panel: missing.txt}\n", "reg.yaml: line 2: magnesium.0.panel:"),
    ],
)
def test_a_plan_error_names_the_file_the_line_and_the_field(tmp_path: Path, text: str, expected: str) -> None:
    r = run_cli("plan", str(_regimen_file(tmp_path, text)), cwd=tmp_path)
    assert r.returncode == 2, (r.stdout, r.stderr)
    (line,) = r.stderr.splitlines()
    assert line.startswith("mgcalc: error: REGIMEN: ") and expected in line, line
    assert "--drug" not in line and "--sex" not in line and "--egfr" not in line and "--form" not in line


def test_a_regimen_error_from_the_library_names_the_field() -> None:
    reg = Regimen.model_validate(
        {"medicines": [{"name": " ", "times": ["08:00"]}], "magnesium": [_mg("citrate", 1)]}
    )
    with pytest.raises(RegimenError) as e:
        plan(REF, reg)
    assert (
        e.value.loc == ("medicines", 0, "name")
        and str(e.value) == "medicines[0].name: a medicine name is empty"
    )
    assert isinstance(e.value, MgcalcError) and e.value.exit_code == 2


@pytest.mark.parametrize(("written", "read"), [("3", "3"), ("4", "4"), ("3b", "3b"), ('"3"', "3")])
def test_a_ckd_stage_written_as_a_bare_number_is_the_stage(tmp_path: Path, written: str, read: str) -> None:
    reg = Regimen.model_validate(yaml.safe_load(f"person: {{ckd_stage: {written}}}\n{MG}"))
    assert reg.person.ckd_stage == read
    r = run_cli("plan", str(_regimen_file(tmp_path, f"person: {{ckd_stage: {written}}}\n{MG}")), "--json")
    assert r.returncode in (0, 1), r.stderr  # a plan (stage 4 blocks it: exit 1), not a refusal


def test_a_ckd_stage_that_is_not_a_stage_is_still_refused() -> None:
    for bad in (True, 3.5, [3]):
        with pytest.raises(ValueError):
            Regimen.model_validate({"person": {"ckd_stage": bad}, "magnesium": [_mg("citrate", 100)]})


# ---------------------------------------------------------------- messages


def test_blocked_names_each_medicine_time_once() -> None:
    # y1.yaml: an unknown metformin listed twice; its times were said three times over
    r = _plan(
        {
            "person": {"age": 60},
            "medicines": [
                {"name": "metformin", "times": ["08:00", "20:00"]},
                {"name": "metformin", "times": ["12:00"]},
            ],
            "magnesium": [_mg("glycinate", 100, servings=2)],
        }
    )
    (u,) = r.unsatisfied
    assert "with the doses at 08:00, 12:00, 20:00 that leaves" in u.why
    assert "(taken at 08:00, 12:00, 20:00)" in u.unblock[0]


def test_a_dose_of_the_day_before_or_after_only_is_named_so() -> None:
    # each window of the day repeats the day before and after; a dose of those days only is named
    from mgcalc.core.plan import DAY as DAY_MIN
    from mgcalc.core.plan import Window, _times, unknown_rule

    rule = unknown_rule(REF, [])
    ws = [
        Window("m", at, rule, 60, 60, shift)
        for at, shift in [
            (480, 0),
            (480, -DAY_MIN),
            (480, DAY_MIN),
            (1200, 0),
            (390, DAY_MIN),
            (1320, -DAY_MIN),
        ]
    ]
    assert _times(ws) == "06:30 the next day, 08:00, 20:00, 22:00 the day before"


def test_an_as_needed_medicine_with_an_avoid_rule_says_the_avoid() -> None:
    # y6.yaml: "when you take raltegravir, no timing rule of mgcalc's applies" beside an AVOID
    r = _plan(
        {
            "medicines": [{"name": "raltegravir", "as_needed": True, "max_per_day": 2}],
            "magnesium": [_mg("glycinate", 100)],
        }
    )
    (a,) = r.as_needed
    assert "no timing rule" not in a.rule and "AVOID" in a.rule and "no timing makes it safe" in a.rule
    assert any(c.level == "avoid" for c in r.cautions)


def test_no_timetable_for_a_weekday_the_span_does_not_hold() -> None:
    # wk.yaml: days [sun] from Tue 8 Dec to Sat 12 Dec 2026 made a "Sundays, 8 Dec to 12 Dec" timetable
    r = _plan(
        {
            "medicines": [
                {
                    "name": "alendronate 70 mg",
                    "times": ["07:00"],
                    "days": ["sun"],
                    "from": "2026-12-08",
                    "until": "2026-12-12",
                },
                {"name": "metformin", "times": ["13:00"]},
            ],
            "magnesium": [_mg("glycinate", 100, servings=2)],
        }
    )
    labels = [t.label for t in r.timetables]
    assert "Sundays, 8 Dec 2026 to 12 Dec 2026" not in labels
    assert "Mondays" in labels  # Mondays on either side of the short span are still one timetable
    _every_day_occurs(r)


def _every_day_occurs(r: Any) -> None:
    for t in r.timetables:
        if t.from_ is None or t.until is None:
            continue
        first, last = date.fromisoformat(t.from_), date.fromisoformat(t.until)
        held = {
            WEEKDAYS[(first + timedelta(days=k)).weekday()] for k in range(min(7, (last - first).days + 1))
        }
        assert set(t.days) <= held, (t.label, t.days)


@settings(max_examples=25, deadline=None)
@given(
    start=st.integers(min_value=0, max_value=20),
    length=st.integers(min_value=0, max_value=9),
    days=st.lists(st.sampled_from(WEEKDAYS), min_size=1, max_size=7, unique=True),
)
def test_every_timetable_day_occurs_in_its_dates(start: int, length: int, days: list[str]) -> None:
    first = date(2026, 12, 1) + timedelta(days=start)
    r = _plan(
        {
            "medicines": [
                {
                    "name": "ciprofloxacin 500 mg",
                    "times": ["09:00"],
                    "days": days,
                    "from": first.isoformat(),
                    "until": (first + timedelta(days=length)).isoformat(),
                }
            ],
            "magnesium": [_mg("glycinate", 100)],
        }
    )
    _every_day_occurs(r)
    covered = [d for t in r.timetables if t.from_ is None and t.until is None for d in t.days]
    assert len(covered) == len(set(covered))


# ---------------------------------------------------------------- output files: never over an input or a non-file


def test_curve_svg_refuses_to_write_over_its_catalogue(tmp_path: Path) -> None:
    cat = tmp_path / "cat.yaml"
    cat.write_bytes((Path(__file__).parents[1] / "data" / "forms.yaml").read_bytes())
    before = cat.read_bytes()
    for args, env in (
        (["--catalogue", str(cat), "--svg", str(cat)], None),
        (["--svg", str(tmp_path / "." / "cat.yaml")], {"MGCALC_CATALOGUE": str(cat)}),
    ):
        r = run_cli("curve", "--form", "citrate", *args, env=env)
        assert r.returncode == 2 and "is an input of this command" in r.stderr, r.stderr
        assert cat.read_bytes() == before


def test_curve_svg_write_failure_is_exit_4_and_keeps_the_previous_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "chart.svg"
    out.write_text("previous", encoding="utf-8")

    def full(*args: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    r = run_cli("curve", "--form", "citrate", "--svg", str(out))
    monkeypatch.undo()
    assert r.returncode == 4, (r.stdout, r.stderr)
    assert "--svg: cannot write" in r.stderr and "No space left" in r.stderr
    assert out.read_text(encoding="utf-8") == "previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["chart.svg"]


def _reader(fifo: Path) -> tuple[threading.Thread, list[bytes]]:
    got: list[bytes] = []

    def read() -> None:
        with fifo.open("rb") as fh:
            got.append(fh.read())

    t = threading.Thread(target=read, daemon=True)
    t.start()
    return t, got


REGIMEN = Path(__file__).parent / "data" / "regimen.yaml"


@pytest.mark.parametrize(
    ("args", "head"),
    [
        (["plan", str(REGIMEN), "--ics"], b"BEGIN:VCALENDAR"),
        (["plan", str(REGIMEN), "--html"], b"<!doctype html>"),
        (["plan", str(REGIMEN), "--fhir"], b"{"),
        (["curve", "--form", "citrate", "--svg"], b"<svg"),
    ],
)
def test_a_fifo_is_written_into_and_stays_a_fifo(tmp_path: Path, args: list[str], head: bytes) -> None:
    fifo = tmp_path / "p"
    os.mkfifo(fifo)
    t, got = _reader(fifo)
    r = run_cli(*args, str(fifo))
    t.join(timeout=30)
    assert r.returncode in (0, 1), r.stderr
    assert f"written to {fifo}" in r.stderr and "saved" not in r.stderr
    assert got and got[0].startswith(head) and len(got[0]) > 100
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p"]


def test_a_link_to_a_fifo_is_written_through_like_dev_stdout(tmp_path: Path) -> None:
    fifo = tmp_path / "p"
    os.mkfifo(fifo)
    link = tmp_path / "stdout"
    link.symlink_to(fifo)
    t, got = _reader(fifo)
    write_output(link, b"data")
    t.join(timeout=10)
    assert got == [b"data"] and link.is_symlink() and stat.S_ISFIFO(os.lstat(fifo).st_mode)


@pytest.mark.parametrize("kind", ["directory", "socket", "link to a directory"])
@pytest.mark.parametrize("flag", ["--html", "--ics", "--fhir", "--svg"])
def test_something_that_is_not_a_file_is_refused_and_left_alone(tmp_path: Path, kind: str, flag: str) -> None:
    target = tmp_path / "t"
    sock = None
    if kind == "directory":
        target.mkdir()
    elif kind == "socket":
        sock = socket.socket(socket.AF_UNIX)
        sock.bind(str(target))
    else:
        (tmp_path / "d").mkdir()
        target.symlink_to(tmp_path / "d")
    before = os.lstat(target)
    try:
        cmd = ["curve", "--form", "citrate"] if flag == "--svg" else ["plan", str(REGIMEN)]
        r = run_cli(*cmd, flag, str(target))
    finally:
        if sock is not None:
            sock.close()
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert f"{flag}: '{target}' is a" in r.stderr and "give the name of a file to write" in r.stderr
    after = os.lstat(target)
    assert (after.st_ino, after.st_mode) == (before.st_ino, before.st_mode)


def test_a_missing_folder_is_refused_before_any_work(tmp_path: Path) -> None:
    r = run_cli("plan", str(REGIMEN), "--html", str(tmp_path / "nope" / "plan.html"))
    assert r.returncode == 2 and "in a folder that does not exist" in r.stderr, r.stderr


def _fake_mode(monkeypatch: pytest.MonkeyPatch, target: Path, mode: int) -> None:
    """``os.stat`` of ``target`` reports ``mode`` (a device, without touching /dev)."""
    real = os.stat

    def fake(path: Any, *args: Any, **kwargs: Any) -> Any:
        st = real(path, *args, **kwargs)
        if os.fspath(path) != os.fspath(target):
            return st
        return os.stat_result((mode | 0o666, *tuple(st)[1:]))

    monkeypatch.setattr(files.os, "stat", fake)


def _no_replace(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object) -> None:
        raise AssertionError("os.replace over a device")

    monkeypatch.setattr(files.os, "replace", refuse)


def test_a_character_device_is_written_into_never_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "tty"
    target.write_bytes(b"old")
    inode = target.stat().st_ino
    _fake_mode(monkeypatch, target, stat.S_IFCHR)
    _no_replace(monkeypatch)
    write_output(target, b"new")
    monkeypatch.undo()
    assert target.read_bytes() == b"new" and target.stat().st_ino == inode
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tty"]


def test_a_full_character_device_is_exit_4(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # as /dev/full: the write fails; the device is not replaced and the message promises no old file
    target = tmp_path / "full"
    target.write_bytes(b"")
    _fake_mode(monkeypatch, target, stat.S_IFCHR)
    _no_replace(monkeypatch)
    real_open = open

    class Full:
        def __init__(self, *a: Any, **k: Any) -> None:
            self.fh = real_open(*a, **k)

        def __enter__(self) -> Full:
            return self

        def __exit__(self, *exc: object) -> None:
            self.fh.close()

        def write(self, data: bytes) -> int:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(
        "builtins.open",
        lambda p, *a, **k: Full(p, *a, **k) if os.fspath(p) == str(target) else real_open(p, *a, **k),
    )
    r = run_cli("curve", "--form", "citrate", "--svg", str(target))
    monkeypatch.undo()
    assert r.returncode == 4, (r.stdout, r.stderr)
    assert "No space left on device" in r.stderr and "previous file" not in r.stderr
    assert target.is_file() and target.read_bytes() == b""


def test_a_block_device_is_refused_never_replaced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "disk"
    target.write_bytes(b"the disk")
    _fake_mode(monkeypatch, target, stat.S_IFBLK)
    _no_replace(monkeypatch)
    with pytest.raises(MgcalcError, match="is a block device"):
        write_output(target, b"new")
    monkeypatch.undo()
    assert target.read_bytes() == b"the disk"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["disk"]


def test_a_target_that_turns_into_a_directory_is_not_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # checked, then a directory appears at the name before the rename: nothing is replaced
    target = tmp_path / "out.html"
    real = files.not_a_file

    def then_a_dir(path: Path) -> str | None:
        found = real(path)
        path.mkdir()
        return found

    monkeypatch.setattr(files, "not_a_file", then_a_dir)
    with pytest.raises(OSError, match="no longer a regular file"):
        write_output(target, b"new")
    assert target.is_dir() and sorted(p.name for p in tmp_path.iterdir()) == ["out.html"]


@pytest.mark.parametrize(
    ("name", "rules", "unknown"),
    [
        ("cipro metformin", ["ciprofloxacin"], ["metformin (in cipro metformin)"]),
        ("Hyzaar", ["thiazide-diuretic"], ["losartan (in Hyzaar)"]),
        ("ciprofloxacin 500 mg", ["ciprofloxacin"], []),
    ],
)
def test_a_medicine_with_rules_names_its_parts_mgcalc_cannot_identify(
    name: str, rules: list[str], unknown: list[str]
) -> None:
    """A medicine read as rules plus unknown parts says so: its status is "rule" and the unknown
    parts are listed (each kept at the unknown-medicine gap), never hidden behind the rule."""
    result = _plan({"medicines": [{"name": name, "times": ["08:00"]}], "magnesium": [_mg("glycinate", 200)]})
    med = result.medicines[0]
    assert (med.status, med.rules, med.unknown_parts) == ("rule", rules, unknown)
    assert {u.name for u in result.unknown_drugs} >= set(unknown)


def test_a_medicine_of_unknown_parts_not_taken_by_mouth_is_no_rule_route() -> None:
    result = _plan(
        {"medicines": [{"name": "metformin cream", "times": ["08:00"]}], "magnesium": [_mg("glycinate", 200)]}
    )
    assert (result.medicines[0].status, result.medicines[0].unknown_parts) == ("no-rule-route", [])
