"""Reading a panel file (pasted Supplement Facts or Drug Facts text, or a DSLD label record), for
``panel`` and for the panel products of a ``plan`` regimen."""

from __future__ import annotations

from mgcalc.cli.terminal import current, stdin_binary
from mgcalc.core.dsld import brand_words, read_dsld, record_panel
from mgcalc.core.panel import PanelInput, read_panel_text
from mgcalc.errors import MgcalcError, literal
from mgcalc.schema.data import Reference

#: Largest panel or DSLD record file read (a multivitamin record is about 25 kB).
MAX_PANEL_BYTES = 5_000_000


def read_text(file: str) -> str:
    """The whole of ``file`` (or stdin for -) as text, capped at MAX_PANEL_BYTES."""
    if file == "-":
        hint = "mgcalc: reading a panel from the terminal; end with Ctrl-D (or give a file)\n"
        raw = stdin_binary(current(), hint).read(MAX_PANEL_BYTES + 1)
        text = raw.decode("utf-8-sig", errors="replace")
    else:
        try:
            with open(file, "rb") as fh:
                raw = fh.read(MAX_PANEL_BYTES + 1)
        except OSError as e:
            raise MgcalcError(
                f"cannot read '{literal(file)}': {literal(e.strerror or e)}", field="file"
            ) from None
        text = raw.decode("utf-8-sig", errors="replace")
    if len(text) > MAX_PANEL_BYTES:
        raise MgcalcError(
            f"'{literal(file)}' is over {MAX_PANEL_BYTES:,} bytes: a panel is far smaller", field="file"
        )
    return text


def read_panel_file(ref: Reference, file: str, *, dsld: bool = False) -> PanelInput:
    """A panel file as panel rows: a DSLD record (``dsld``, a .json name, or JSON content) or pasted text."""
    text = read_text(file)
    if not (dsld or file.lower().endswith(".json") or text.lstrip("\ufeff \t\r\n")[:1] in ("{", "[")):
        return read_panel_text(text)
    records = list(read_dsld(text.splitlines(keepends=True)))
    if not records:
        raise MgcalcError(f"'{literal(file)}' holds no DSLD label record", field="file")
    if len(records) > 1:
        raise MgcalcError(
            f"'{literal(file)}' holds {len(records)} records: 'mgcalc panel' reads one label; "
            "use 'mgcalc batch FILE --input-format dsld' for several",
            field="file",
        )
    _, record = records[0]
    if isinstance(record, str):
        raise MgcalcError(f"'{literal(file)}': {record}", field="file")
    return record_panel(record, brand_words(ref))
