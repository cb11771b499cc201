"""plan's files: written whole or not at all, never over an input; panel files kept beside the
regimen; reminders that ring; a handout in plain words with labels that never overlap."""

from __future__ import annotations

import errno
import itertools
import json
import os
import re
import shutil
import subprocess
import sys
from datetime import date, datetime, timedelta
from html import unescape as html_unescape
from pathlib import Path

import pytest
import yaml

from mgcalc import MgcalcError
from mgcalc.cli.plan_io import (
    PLAIN_WORDS,
    handout_html,
    ics_bytes,
    plain,
    read_panels,
    read_regimen,
    text_width,
    timeline_svg,
    write_ics,
    write_output,
)
from mgcalc.core.plan import plan
from mgcalc.reference import packaged_reference
from mgcalc.schema.plan import AsNeeded, PlanItem, PlanResult, Regimen, Timetable

REF = packaged_reference()
DAY0 = date(2026, 1, 5)  # a Monday

ISSUE = {
    "person": {"age": 58, "sex": "female"},
    "day": {"wake": "07:00", "sleep": "23:00", "meals": ["07:30", "12:30", "19:00"]},
    "medicines": [
        {"name": "levothyroxine 100 mcg", "times": ["06:30"]},
        {"name": "ciprofloxacin 500 mg", "times": ["08:00", "20:00"]},
    ],
    "magnesium": [{"label": "Magnesium (as magnesium glycinate) 200 mg", "servings": 2}],
}
PANEL = "Supplement Facts\nServing Size 1 Tablet\nMagnesium (as magnesium citrate) 100 mg\n"


def _regimen(folder: Path, data: object = ISSUE, name: str = "regimen.yaml") -> Path:
    p = folder / name
    p.write_text(data if isinstance(data, str) else yaml.safe_dump(data), encoding="utf-8")
    return p


def _mgcalc(*args: str, cwd: Path, pre: str = "") -> subprocess.CompletedProcess[str]:
    """``mgcalc ARGS`` in a real process in ``cwd``; ``pre`` is Python run first (to break the disk)."""
    code = f"{pre}\nfrom mgcalc.cli.app import main\nmain({list(args)!r})"
    env = {k: v for k, v in os.environ.items() if k not in ("MGCALC_CATALOGUE", "NO_COLOR")}
    return subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, env=env, timeout=60
    )


def _one_line_error(r: subprocess.CompletedProcess[str], code: int) -> str:
    assert r.returncode == code, (r.returncode, r.stdout, r.stderr)
    lines = [x for x in r.stderr.splitlines() if x.startswith("mgcalc: error:")]
    assert len(lines) == 1 and "Traceback" not in r.stderr, r.stderr
    return lines[0]


# ---------------------------------------------------------------- atomic writes


def test_write_output_replaces_the_file_whole_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "plan.html"
    target.write_text("old", encoding="utf-8")
    write_output(target, b"new")
    assert target.read_bytes() == b"new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.html"]
    assert target.stat().st_mode & 0o777 == 0o666 & ~_umask()  # not mkstemp's 0600


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@pytest.mark.parametrize("broken", ["replace", "fsync", "write"])
def test_a_failed_write_keeps_the_previous_file_and_cleans_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, broken: str
) -> None:
    target = tmp_path / "plan.ics"
    target.write_bytes(b"the previous calendar")

    def full(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    if broken == "write":
        real = os.fdopen

        class Full:
            def __init__(self, fh: object) -> None:
                self.fh = fh

            def __enter__(self) -> Full:
                return self

            def __exit__(self, *exc: object) -> None:
                self.fh.close()  # type: ignore[attr-defined]

            def write(self, data: bytes) -> int:
                self.fh.write(data[: len(data) // 2])  # type: ignore[attr-defined]
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        monkeypatch.setattr(os, "fdopen", lambda fd, mode: Full(real(fd, mode)))
    else:
        monkeypatch.setattr(os, broken, full)
    with pytest.raises(OSError, match="No space left"):
        write_output(target, b"BEGIN:VCALENDAR" * 1000)
    monkeypatch.undo()
    assert target.read_bytes() == b"the previous calendar"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.ics"]


@pytest.mark.parametrize("flag", ["--html", "--ics"])
def test_cli_write_failure_is_exit_4_and_the_previous_file_is_intact(tmp_path: Path, flag: str) -> None:
    _regimen(tmp_path)
    out = tmp_path / "out"
    out.write_text("previous", encoding="utf-8")
    disk_full = (
        "import os, errno\n"
        "def full(*a, **k):\n"
        "    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))\n"
        "os.fsync = full\n"
    )
    r = _mgcalc("plan", "regimen.yaml", flag, "out", cwd=tmp_path, pre=disk_full)
    line = _one_line_error(r, 4)
    assert flag in line and "'out'" in line and "No space left" in line
    assert out.read_text(encoding="utf-8") == "previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "regimen.yaml"]


def test_cli_an_unwritable_folder_is_exit_4(tmp_path: Path) -> None:
    _regimen(tmp_path)
    (tmp_path / "afile").write_text("x", encoding="utf-8")
    r = _mgcalc("plan", "regimen.yaml", "--html", "afile/plan.html", cwd=tmp_path)
    assert "cannot write 'afile/plan.html'" in _one_line_error(r, 4)


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root writes anywhere")
def test_cli_a_read_only_folder_is_exit_4_and_keeps_the_file(tmp_path: Path) -> None:
    _regimen(tmp_path)
    ro = tmp_path / "ro"
    ro.mkdir()
    (ro / "plan.html").write_text("previous", encoding="utf-8")
    ro.chmod(0o555)
    try:
        r = _mgcalc("plan", "regimen.yaml", "--html", "ro/plan.html", cwd=tmp_path)
        _one_line_error(r, 4)
        assert (ro / "plan.html").read_text(encoding="utf-8") == "previous"
    finally:
        ro.chmod(0o755)


def test_cli_writes_both_files(tmp_path: Path) -> None:
    _regimen(tmp_path)
    r = _mgcalc("plan", "regimen.yaml", "--html", "plan.html", "--ics", "plan.ics", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "plan.html").read_text(encoding="utf-8").startswith("<!doctype html>")
    assert (tmp_path / "plan.ics").read_bytes().startswith(b"BEGIN:VCALENDAR")
    assert "handout saved to plan.html" in r.stderr and "reminders saved to plan.ics" in r.stderr


# ---------------------------------------------------------------- never over an input, never twice


@pytest.mark.parametrize(
    "spelling", ["regimen.yaml", "./regimen.yaml", "sub/../regimen.yaml", "{tmp}/regimen.yaml"]
)
@pytest.mark.parametrize("flag", ["--html", "--ics"])
def test_an_output_onto_the_regimen_is_refused(tmp_path: Path, spelling: str, flag: str) -> None:
    reg = _regimen(tmp_path)
    (tmp_path / "sub").mkdir()
    before = reg.read_bytes()
    r = _mgcalc("plan", "regimen.yaml", flag, spelling.format(tmp=tmp_path), cwd=tmp_path)
    assert "is an input of this command" in _one_line_error(r, 2)
    assert reg.read_bytes() == before


def test_an_output_onto_the_regimen_through_links_is_refused(tmp_path: Path) -> None:
    reg = _regimen(tmp_path)
    before = reg.read_bytes()
    (tmp_path / "hard.yaml").hardlink_to(reg)
    (tmp_path / "soft.yaml").symlink_to(reg)
    (tmp_path / "dir").symlink_to(tmp_path)
    for target in ("hard.yaml", "soft.yaml", "dir/regimen.yaml"):
        r = _mgcalc("plan", "regimen.yaml", "--html", target, cwd=tmp_path)
        assert "is an input" in _one_line_error(r, 2), target
    # the regimen named through a symlink, the output its real name
    r = _mgcalc("plan", "soft.yaml", "--ics", "regimen.yaml", cwd=tmp_path)
    _one_line_error(r, 2)
    assert reg.read_bytes() == before


def test_an_output_onto_a_panel_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "panel.txt").write_text(PANEL, encoding="utf-8")
    _regimen(tmp_path, {"magnesium": [{"panel": "panel.txt"}]})
    r = _mgcalc("plan", "regimen.yaml", "--ics", "panel.txt", cwd=tmp_path)
    assert "panel.txt" in _one_line_error(r, 2)
    assert (tmp_path / "panel.txt").read_text(encoding="utf-8") == PANEL


@pytest.mark.parametrize(
    "html,ics", [("x.html", "x.html"), ("x.html", "./x.html"), ("x.html", "link.html"), ("-", "-")]
)
def test_two_outputs_to_one_path_are_refused(tmp_path: Path, html: str, ics: str) -> None:
    _regimen(tmp_path)
    (tmp_path / "link.html").symlink_to(tmp_path / "x.html")
    r = _mgcalc("plan", "regimen.yaml", "--html", html, "--ics", ics, cwd=tmp_path)
    line = _one_line_error(r, 2)
    assert "--html and --ics" in line
    assert not (tmp_path / "x.html").exists() and r.stdout == ""


def test_a_symlink_at_the_target_is_replaced_not_followed(tmp_path: Path) -> None:
    _regimen(tmp_path)
    victim = tmp_path / "victim.txt"
    victim.write_text("precious", encoding="utf-8")
    (tmp_path / "plan.html").symlink_to(victim)
    (tmp_path / "plan.ics").symlink_to(tmp_path / "nowhere")  # dangling
    r = _mgcalc("plan", "regimen.yaml", "--html", "plan.html", "--ics", "plan.ics", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert victim.read_text(encoding="utf-8") == "precious"
    for name in ("plan.html", "plan.ics"):
        assert not (tmp_path / name).is_symlink() and (tmp_path / name).stat().st_size > 100
    assert not (tmp_path / "nowhere").exists()


# ---------------------------------------------------------------- '-' is stdout


@pytest.mark.parametrize("flag,start", [("--html", "<!doctype html>"), ("--ics", "BEGIN:VCALENDAR")])
def test_dash_writes_the_file_to_stdout_and_the_report_to_stderr(
    tmp_path: Path, flag: str, start: str
) -> None:
    _regimen(tmp_path)
    r = _mgcalc("plan", "regimen.yaml", flag, "-", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith(start)
    assert "Magnesium plan for the day" not in r.stdout and "Magnesium plan for the day" in r.stderr
    assert "saved to" not in r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["regimen.yaml"]  # no file named '-'


def test_dash_and_json_are_refused_together(tmp_path: Path) -> None:
    _regimen(tmp_path)
    r = _mgcalc("plan", "regimen.yaml", "--ics", "-", "--json", cwd=tmp_path)
    assert "--json" in _one_line_error(r, 2) and r.stdout == ""


def test_ics_medicines_needs_ics(tmp_path: Path) -> None:
    _regimen(tmp_path)
    assert "--ics" in _one_line_error(_mgcalc("plan", "regimen.yaml", "--ics-medicines", cwd=tmp_path), 2)


# ---------------------------------------------------------------- panel files stay beside the regimen


@pytest.mark.parametrize("where", ["../outside.txt", "{tmp}/outside.txt", "link.txt", "dirlink/outside.txt"])
def test_a_panel_outside_the_regimens_folder_is_refused(tmp_path: Path, where: str) -> None:
    (tmp_path / "outside.txt").write_text(PANEL, encoding="utf-8")
    folder = tmp_path / "patient"
    folder.mkdir()
    (folder / "link.txt").symlink_to(tmp_path / "outside.txt")
    (folder / "dirlink").symlink_to(tmp_path)
    panel = where.format(tmp=tmp_path)
    _regimen(folder, {"magnesium": [{"panel": panel}]})
    r = _mgcalc("plan", "patient/regimen.yaml", cwd=tmp_path)
    assert "--allow-outside-panels" in _one_line_error(r, 2)
    with pytest.raises(MgcalcError, match="allow-outside-panels"):
        reg = read_regimen(folder / "regimen.yaml")
        read_panels(REF, reg, folder)
    r = _mgcalc("plan", "patient/regimen.yaml", "--allow-outside-panels", "--json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["daily_elemental_mg_max"] == 100


def test_a_panel_inside_the_folder_may_use_subfolders_and_inner_links(tmp_path: Path) -> None:
    (tmp_path / "labels").mkdir()
    (tmp_path / "labels" / "mg.txt").write_text(PANEL, encoding="utf-8")
    (tmp_path / "inner.txt").symlink_to(tmp_path / "labels" / "mg.txt")
    data = {"magnesium": [{"panel": "labels/../labels/mg.txt"}, {"panel": "inner.txt"}]}
    reg = read_regimen(_regimen(tmp_path, data))
    assert set(read_panels(REF, reg, tmp_path)) == {0, 1}
    # the regimen named from elsewhere: panels are still read beside it
    r = _mgcalc("plan", str(tmp_path / "regimen.yaml"), "--json", cwd=Path("/"))
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["daily_elemental_mg_max"] == 200


def test_a_panel_with_no_magnesium_is_an_error_not_0_mg(tmp_path: Path) -> None:
    (tmp_path / "zinc.txt").write_text(
        "Supplement Facts\nServing Size 1 Tablet\nVitamin C 500 mg\nZinc 10 mg\n", encoding="utf-8"
    )
    _regimen(tmp_path, {"magnesium": [{"panel": "zinc.txt"}]})
    line = _one_line_error(_mgcalc("plan", "regimen.yaml", cwd=tmp_path), 2)
    assert "zinc.txt" in line and "magnesium" in line
    with pytest.raises(MgcalcError, match="names an amount of magnesium"):
        read_panels(REF, read_regimen(tmp_path / "regimen.yaml"), tmp_path)


# ---------------------------------------------------------------- reminders that ring


def _events(data: bytes) -> list:  # type: ignore[type-arg]
    from icalendar import Calendar

    cal = Calendar.from_ical(data)
    return list(cal.walk("VEVENT"))


def _assert_rings(ev: object) -> None:
    alarms = ev.walk("VALARM")  # type: ignore[attr-defined]
    assert len(alarms) == 1
    (alarm,) = alarms
    assert alarm["ACTION"] == "DISPLAY" and str(alarm["DESCRIPTION"])
    assert alarm.decoded("TRIGGER") == timedelta(0)


def test_daily_reminders_ring_and_have_no_end(tmp_path: Path) -> None:
    r = plan(REF, Regimen.model_validate(ISSUE))
    data, n = ics_bytes(r, DAY0)
    events = _events(data)
    doses = [i for i in r.schedule if i.kind == "magnesium"]
    assert n == len(events) == len(doses) == 2
    assert len({str(e["UID"]) for e in events}) == 2
    for ev, dose in zip(sorted(events, key=lambda e: e.decoded("DTSTART")), doses, strict=True):
        start = ev.decoded("DTSTART")
        assert isinstance(start, datetime) and start.tzinfo is None  # floating, by choice
        assert start.strftime("%H:%M") == dose.time and start.date() == DAY0
        assert ev["RRULE"]["FREQ"] == ["DAILY"] and "UNTIL" not in ev["RRULE"]
        assert "1 serving (200 mg magnesium)" in str(ev["SUMMARY"])
        _assert_rings(ev)
    assert b"TRIGGER;RELATED=START:PT0S" in data
    assert write_ics(r, tmp_path / "x.ics", DAY0) == 2  # the file is the same calendar
    assert (tmp_path / "x.ics").read_bytes() == data


def _weekly(r: PlanResult) -> PlanResult:
    """The ISSUE plan as if alendronate were taken on Sundays and ciprofloxacin were a course."""
    sched = r.schedule
    return r.model_copy(
        update={
            "schedule": [],
            "timetables": [
                Timetable(
                    days=["mon", "tue", "wed", "thu", "fri", "sat"],
                    until="2026-01-13",
                    label="Monday to Saturday, until 13 Jan",
                    schedule=sched,
                ),
                Timetable(
                    days=["sun"],
                    until="2026-01-13",
                    label="Sundays, until 13 Jan",
                    schedule=[PlanItem(time="06:00", item="alendronate 70 mg", kind="medicine"), *sched[:-1]],
                ),
                Timetable.model_validate(
                    {
                        "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
                        "from": "2026-01-14",
                        "label": "from 14 Jan",
                        "schedule": [i for i in sched if i.kind != "medicine" or "cipro" not in i.item],
                    }
                ),
                Timetable(days=["wed"], until="2026-01-01", label="an old course", schedule=sched),
            ],
        }
    )


def test_patterns_give_weekly_rules_courses_and_starts() -> None:
    r = _weekly(plan(REF, Regimen.model_validate(ISSUE)))
    data, n = ics_bytes(r, DAY0)
    events = _events(data)
    expected = sum(1 for tt in r.timetables[:3] for i in tt.schedule if i.kind == "magnesium")
    assert n == len(events) == expected  # one per dose per pattern; the ended course gives none
    by_label: dict[str, list] = {}  # type: ignore[type-arg]
    for ev in events:
        by_label.setdefault(str(ev["DESCRIPTION"]).split(":")[0], []).append(ev)
        _assert_rings(ev)
    (weekdays, sundays, later) = (by_label[tt.label] for tt in r.timetables[:3])
    for ev in weekdays:
        rule = ev["RRULE"]
        assert rule["FREQ"] == ["WEEKLY"] and rule["BYDAY"] == ["MO", "TU", "WE", "TH", "FR", "SA"]
        assert rule["UNTIL"] == [datetime(2026, 1, 13, 23, 59, 59)]
        assert ev.decoded("DTSTART").date() == DAY0
    for ev in sundays:
        assert ev["RRULE"]["BYDAY"] == ["SU"] and ev["RRULE"]["UNTIL"] == [datetime(2026, 1, 13, 23, 59, 59)]
        assert ev.decoded("DTSTART").date() == date(2026, 1, 11)  # the first Sunday
    for ev in later:
        assert ev["RRULE"]["FREQ"] == ["DAILY"] and "UNTIL" not in ev["RRULE"]
        assert ev.decoded("DTSTART").date() == date(2026, 1, 14)
    # a phone's import: every occurrence of a weekly event falls on its day, and none after UNTIL
    from dateutil.rrule import rrulestr

    for ev in sundays:
        text = ev["RRULE"].to_ical().decode()
        days = list(rrulestr(text, dtstart=ev.decoded("DTSTART")))
        assert [d.date() for d in days] == [date(2026, 1, 11)]


def test_ics_medicines_adds_the_medicine_times() -> None:
    r = plan(REF, Regimen.model_validate(ISSUE))
    _, without = ics_bytes(r, DAY0)
    data, n = ics_bytes(r, DAY0, medicines=True)
    meds = [i for i in r.schedule if i.kind == "medicine"]
    assert n == without + len(meds) == len(_events(data))
    summaries = sorted(str(e["SUMMARY"]) for e in _events(data))
    assert summaries.count("Medicine: ciprofloxacin 500 mg") == 2
    for ev in _events(data):
        _assert_rings(ev)


def test_ics_says_the_regimens_unit() -> None:
    data = {**ISSUE, "magnesium": [{**ISSUE["magnesium"][0], "unit": "1 tablet"}]}
    reg = Regimen.model_validate(data)
    ics, _ = ics_bytes(plan(REF, reg), DAY0, regimen=reg)
    assert all("1 tablet (200 mg magnesium)" in str(e["SUMMARY"]) for e in _events(ics))


# ---------------------------------------------------------------- the handout


def test_plain_words_replace_the_terminals_terms() -> None:
    assert plain("ciprofloxacin: chelation with magnesium; lower levels") == (
        "ciprofloxacin: magnesium binds the medicine in the gut so less of it works; lower levels"
    )
    assert "kidneys clear less magnesium" in plain("renal clearance of magnesium is reduced")
    said = plain(
        "400 mg/day is above the UL of 350 mg/day; exceeding the UL risks diarrhoea (the UL's endpoint)."
    )
    assert (
        "UL" not in said and "the most a day from supplements (350 mg/day)" in said and "endpoint" not in said
    )
    assert plain("if you take a PPI") == "if you take stomach-acid medicine (PPI)"  # replaced once
    assert plain("omeprazole (proton pump inhibitors): low") == "omeprazole (stomach-acid medicine, PPI): low"
    assert plain("no time keeps every rule; see unsatisfied") == "no time keeps every rule"
    assert plain("ULTRA") == "ULTRA"  # words, not letters
    assert plain("that closes 180 of 181 waking slots") == "that leaves 5 minutes of the waking day free"
    assert plain("that closes 181 of 181 waking slots") == "that leaves no time of the waking day free"
    assert plain("would free 30 five-minute slots") == "would free 2 h 30 min"
    for term in PLAIN_WORDS:
        re.compile(term)


def test_handout_is_in_plain_words_with_the_amount_and_what_to_act_on_first() -> None:
    data = {
        **ISSUE,
        "medicines": [*ISSUE["medicines"], {"name": "omeprazole 20 mg", "times": ["07:00"]}],
        "magnesium": [
            {"label": "Magnesium (as magnesium glycinate) 200 mg", "servings": 1, "unit": "2 capsules"},
            {"form": "citrate", "amount": "100 mg", "elemental": True, "name": "Citrate powder"},
        ],
    }
    reg = Regimen.model_validate(data)
    r = plan(REF, reg)
    html = handout_html(r, reg, "test", DAY0)
    text = re.sub(r"<[^>]+>", " ", html[: html.index('id="sources"')])  # citations stay verbatim
    assert any("chelation" in c.message for c in r.cautions)  # the terminal's words ...
    for jargon in ("chelation", "renal clearance", "UL's", " UL ", "see unsatisfied"):
        assert jargon not in text, jargon  # ... are not the handout's
    assert "binds the medicine in the gut so less of it works" in text
    assert "stomach-acid medicine" in text
    assert "2 capsules (200 mg magnesium)" in text and "1 serving (100 mg magnesium)" in text
    # what to act on comes before the timetable, the rest after, the sources last
    act, table, good, foot = (
        html.index(k) for k in ('id="act"', 'id="timetable"', "Good to know", 'id="sources"')
    )
    assert act < table < good < foot
    act_part = html[act:table]
    assert "ciprofloxacin" in act_part and "RDA" not in act_part
    assert re.search(r"<li>SYNTHROID", html[foot:]) and "<sup>1</sup>" in html


def test_handout_shows_each_pattern_and_the_as_needed_rules() -> None:
    reg = Regimen.model_validate(ISSUE)
    r = _weekly(plan(REF, reg))
    r = r.model_copy(
        update={
            "as_needed": [
                AsNeeded(
                    item="Gaviscon",
                    kind="medicine",
                    max_per_day=4,
                    avoid=["06:00-10:00"],
                    rule="not within 6 h before Tivicay",
                )
            ]
        }
    )
    html = handout_html(r, reg, "test", DAY0)
    for tt in r.timetables:
        assert f"<h2 class='pattern'>{tt.label}</h2>" in html
    assert html.count("<svg") == len(r.timetables)
    assert 'id="as-needed"' in html and "Gaviscon" in html and "at most 4 a day" in html
    assert "not within 6 h before Tivicay" in html
    one = handout_html(plan(REF, reg), reg, "test", DAY0)
    assert "class='pattern'" not in one  # a single pattern needs no heading


CROWD = [
    ("06:00", "levothyroxine 100 mcg", "medicine"),
    ("06:00", "alendronate 70 mg", "medicine"),
    ("07:55", "amlodipine 5 mg", "medicine"),
    ("08:00", "metformin 500 mg modified release", "medicine"),
    ("08:05", "atorvastatin 20 mg", "medicine"),
    ("08:10", "omeprazole 20 mg", "medicine"),
    ("08:15", "furosemide 40 mg", "medicine"),
    (
        "08:20",
        "a very long medicine name that goes on and on, 10 mg modified-release tablets " * 2,
        "medicine",
    ),
    ("21:55", "paracetamol 1 g", "medicine"),
    ("22:00", "WWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWW", "medicine"),
    ("10:00", "Magnesium (as magnesium glycinate) 200 mg", "magnesium"),
    ("10:05", "Magnesium citrate powder with a long descriptive product name", "magnesium"),
    ("10:10", "Magnesium oxide 400 mg", "magnesium"),
    ("22:00", "Magnesium (as magnesium glycinate) 200 mg", "magnesium"),
    ("07:30", "breakfast", "meal"),
]


def _crowd() -> list[PlanItem]:
    return [
        PlanItem(time=t, item=n, kind=k, elemental_mg=200 if k == "magnesium" else None) for t, n, k in CROWD
    ]


def _labels(svg: str) -> list[tuple[float, float, list[float], str]]:
    """(x0, x1, the baselines, the text) of every label of a timeline; checks each line fits x0..x1."""
    out = []
    for m in re.finditer(
        r'<text class="label"[^>]*data-x0="([\d.]+)" data-x1="([\d.]+)"[^>]*>(.*?)</text>', svg
    ):
        x0, x1 = float(m.group(1)), float(m.group(2))
        spans = re.findall(r'<tspan x="([\d.]+)" y="([\d.]+)">(.*?)</tspan>', m.group(3))
        for x, _, line in spans:
            assert float(x) == x0 and text_width(html_unescape(line)) <= x1 - x0 + 0.1, line
        out.append((x0, x1, [float(y) for _, y, _ in spans], " ".join(html_unescape(t) for *_, t in spans)))
    return out


def test_timeline_labels_never_overlap_or_get_cut_on_a_crowded_day() -> None:
    svg = timeline_svg(_crowd(), "06:00", "22:00")
    width = float(re.search(r'viewBox="0 0 ([\d.]+) ', svg).group(1))  # type: ignore[union-attr]
    labels = _labels(svg)
    assert len(labels) == len({(t, k) for t, _, k in CROWD if k != "meal"})  # one per time and side
    for x0, x1, _ys, text in labels:
        assert 0 <= x0 < x1 <= width, text
    for (a0, a1, ays, at), (b0, b1, bys, bt) in itertools.combinations(labels, 2):
        if set(ays) & set(bys):  # on a shared line: no shared x
            assert a1 <= b0 or b1 <= a0, (at, bt)
    joined = " ".join(t for *_, t in labels).replace(" ", "")
    for _, name, kind in CROWD:  # every name in full, nothing cut
        if kind != "meal":
            assert name.replace(" ", "") in joined
    assert "..." not in svg


def test_timeline_of_a_night_shift_runs_past_midnight() -> None:
    items = [
        PlanItem(time="15:00", item="A", kind="medicine"),
        PlanItem(time="02:00", item="B", kind="magnesium", elemental_mg=100),
        PlanItem(time="13:30", item="C", kind="medicine"),
    ]
    svg = timeline_svg(items, "14:00", "06:00")
    x = {t.split()[0]: x0 for x0, _, _, t in _labels(svg)}
    assert x["13:30"] < x["15:00"] < x["02:00"]
    hours = re.findall(r'fill="#555">(\d\d)</text>', svg)
    assert hours[0] == "13" and hours[-1] == "06" and "00" in hours


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


MEASURE = """<script>
const out = [];
const svgs = document.querySelectorAll('figure.timeline svg');
svgs.forEach((svg, n) => {
  const vb = svg.viewBox.baseVal;
  svg.querySelectorAll('text.label tspan').forEach(t => {
    const b = t.getBBox();
    out.push([n, b.x, b.y, b.x + b.width, b.y + b.height, vb.width, vb.height,
              parseFloat(t.parentNode.dataset.x0), parseFloat(t.parentNode.dataset.x1), t.textContent]);
  });
});
document.body.setAttribute('data-boxes', JSON.stringify(out));
</script>"""


def test_crowded_handout_in_a_real_browser(tmp_path: Path) -> None:
    """The real rendering: label boxes as the browser measures them neither overlap nor leave the
    picture, and fit the width the layout reserved; the handout prints; a PNG to look at."""
    browser = _chromium()
    if browser is None:
        if os.environ.get("CI"):
            pytest.fail("CI must install chromium (see .ci/run)")
        pytest.skip("no chromium on this machine")
    reg = Regimen.model_validate(ISSUE)
    r = plan(REF, reg)
    r = r.model_copy(
        update={
            "schedule": [],
            "timetables": [
                Timetable(
                    days=["mon", "tue", "wed", "thu", "fri", "sat"],
                    label="Monday to Saturday",
                    schedule=_crowd(),
                ),
                Timetable(days=["sun"], label="Sundays", schedule=r.schedule),
            ],
        }
    )
    page = tmp_path / "crowd.html"
    page.write_text(
        handout_html(r, reg, "test", DAY0).replace("</body>", MEASURE + "</body>"), encoding="utf-8"
    )
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
    ]
    dom = subprocess.run(
        [browser, *flags, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120
    ).stdout
    m = re.search(r'data-boxes="([^"]*)"', dom)
    assert m, dom[:500]
    boxes = json.loads(m.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    assert len(boxes) >= len(CROWD)
    for _n, x0, y0, x1, y1, vw, vh, r0, r1, text in boxes:
        assert x0 >= 0 and x1 <= vw and y0 >= 0 and y1 <= vh, text  # inside the picture: not cut
        assert r0 - 0.5 <= x0 and x1 <= r1 + 0.5, (text, x0, x1, r0, r1)  # within the reserved width
    for a, b in itertools.combinations(boxes, 2):
        if a[0] == b[0]:
            apart = a[3] <= b[1] or b[3] <= a[1] or a[4] <= b[2] or b[4] <= a[2]
            assert apart, (a[-1], b[-1])
    png = tmp_path / "crowd.png"
    subprocess.run(
        [browser, *flags, "--window-size=800,1400", f"--screenshot={png}", page.as_uri()],
        capture_output=True,
        timeout=120,
    )
    assert png.is_file() and png.stat().st_size > 5000
    keep = os.environ.get("MGCALC_KEEP_PNG")
    if keep:
        shutil.copy(png, keep)


# ---------------------------------------------------------------- the report's hints


def test_plan_has_the_footnote_flags_its_hint_names(tmp_path: Path) -> None:
    _regimen(tmp_path)
    r = _mgcalc("plan", "regimen.yaml", cwd=tmp_path)
    assert r.returncode == 0 and "(full citations: --sources; none: --brief)" in r.stdout
    brief = _mgcalc("plan", "regimen.yaml", "--brief", cwd=tmp_path)
    assert brief.returncode == 0 and "Sources:" not in brief.stdout and "--sources" not in brief.stdout
    full = _mgcalc("plan", "regimen.yaml", "--sources", cwd=tmp_path)
    assert full.returncode == 0 and "Sources:" in full.stdout and "--brief)" not in full.stdout


def test_night_shift_doses_after_midnight_ring_on_the_next_day() -> None:
    """A waking day 14:00-06:00: its 02:00 dose is the next calendar day, so Sunday's is on Monday."""
    reg = Regimen.model_validate(
        {
            "day": {"wake": "14:00", "sleep": "06:00"},
            "magnesium": [{"form": "citrate", "amount": "100 mg", "elemental": True}],
        }
    )
    r = plan(REF, Regimen.model_validate(ISSUE))
    doses = [
        PlanItem(time="18:00", item="Mg", kind="magnesium", elemental_mg=100),
        PlanItem(time="02:00", item="Mg", kind="magnesium", elemental_mg=100),
    ]
    r = r.model_copy(
        update={
            "schedule": [],
            "timetables": [
                Timetable(days=["sun"], until="2026-01-18", label="Sundays", schedule=doses),
                Timetable.model_validate(
                    {"days": ["mon"], "from": "2026-01-12", "label": "Mondays", "schedule": doses}
                ),
            ],
        }
    )
    events = _events(ics_bytes(r, DAY0, regimen=reg)[0])
    got = {
        (str(e["DESCRIPTION"]), e.decoded("DTSTART").strftime("%H:%M")): (
            e.decoded("DTSTART").date(),
            e["RRULE"]["BYDAY"],
            e["RRULE"].get("UNTIL"),
        )
        for e in events
    }
    assert got[("Sundays", "18:00")] == (date(2026, 1, 11), ["SU"], [datetime(2026, 1, 18, 23, 59, 59)])
    assert got[("Sundays", "02:00")] == (date(2026, 1, 12), ["MO"], [datetime(2026, 1, 19, 23, 59, 59)])
    assert got[("Mondays", "18:00")] == (date(2026, 1, 12), ["MO"], None)
    assert got[("Mondays", "02:00")] == (date(2026, 1, 13), ["TU"], None)
    # an ordinary day: a medicine just before waking stays on its own day
    day = Regimen.model_validate(ISSUE)
    early = ics_bytes(plan(REF, day), DAY0, medicines=True, regimen=day)[0]
    assert all(e.decoded("DTSTART").date() == DAY0 for e in _events(early))


def test_an_output_onto_the_catalogue_is_refused(tmp_path: Path) -> None:
    from mgcalc.reference.files import packaged_path

    shutil.copy(packaged_path("forms.yaml"), tmp_path / "forms.yaml")
    _regimen(tmp_path)
    assert _mgcalc("plan", "regimen.yaml", "--catalogue", "forms.yaml", cwd=tmp_path).returncode == 0
    r = _mgcalc("plan", "regimen.yaml", "--catalogue", "forms.yaml", "--html", "forms.yaml", cwd=tmp_path)
    assert "is an input" in _one_line_error(r, 2)
