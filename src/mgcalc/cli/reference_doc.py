"""docs/reference.md, the command reference, built from the typer app and the result models.

Every command with its usage, description, arguments, options (with their
defaults and help, as ``-h`` shows them), examples and the keys of its JSON
output (from the pydantic models' JSON Schemas, the same schemas committed in
``tests/schema/``). Nothing here runs at start-up: ``scripts/gen_reference.py``
writes the page, and ``tests/test_command_reference.py`` fails when the
committed page differs from what this module builds.
"""

from __future__ import annotations

import enum
import re
from typing import Any

import typer.main
from pydantic import BaseModel

from mgcalc.cli.app import DOCS_PAGES, EPILOG, HELP, app
from mgcalc.schema import estimates, plan, records, results
from mgcalc.schema.data import Form

#: The command that rewrites docs/reference.md.
REGENERATE = "python scripts/gen_reference.py"


def json_models() -> dict[str, list[tuple[str, type[BaseModel]]]]:
    """Per command: what its ``--json`` prints (a sentence) and the model of each object."""
    return {
        "label": [("one JSON object", results.LabelResult)],
        "dose": [("one JSON object", results.DoseResult)],
        "absorb": [("one JSON object", estimates.AbsorbResult)],
        "compare": [("one JSON object", estimates.CompareResult)],
        "curve": [("one JSON object", estimates.CurveResult)],
        "check": [("one JSON object", results.Assessment)],
        "intake": [("one JSON object", results.IntakeReference)],
        "parse": [
            ("one JSON object for TEXT", records.ParseResult),
            ("lines read from stdin: one JSON object per line (NDJSON)", records.ParseLine),
            ("a stdin line that cannot be read", records.ParseError),
        ],
        "batch": [
            ("one JSON object per record, a line each (NDJSON; CSV with --output csv)", records.BatchOutput)
        ],
        "panel": [("one JSON object", records.PanelResult)],
        "convert": [("one JSON object", records.ConvertResult)],
        "plan": [("one JSON object", plan.PlanResult)],
        "forms": [
            ("without FORM: a JSON array of catalogue entries", Form),
            ("with FORM: one JSON object, the entry in full", records.FormEntry),
            ("with --check FILE: one JSON object", records.CatalogueCheck),
        ],
    }


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


_SUFFIX = re.compile(r"\s*\[(default: .*|required)\]\s*$")


def _default(param: Any) -> str:
    if param.required:
        return "required"
    value = param.default
    if getattr(param, "is_flag", False):
        return "off" if not value else "on"
    if value is None or value == () or value == []:
        return ""
    if isinstance(value, enum.Enum):
        value = value.value
    return f"`{value}`"


def _kind(schema: dict[str, Any]) -> str:
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    if "anyOf" in schema or "oneOf" in schema:
        return " or ".join(dict.fromkeys(_kind(s) for s in schema.get("anyOf", schema.get("oneOf", []))))
    if "const" in schema:
        return f"`{schema['const']}`"
    if "enum" in schema:
        return "/".join(f"`{v}`" for v in schema["enum"])
    kind = schema.get("type")
    if kind == "array":
        items = schema.get("items")
        return f"array of {_kind(items)}" if isinstance(items, dict) and items else "array"
    if kind == "object":
        extra = schema.get("additionalProperties")
        return f"object of {_kind(extra)}" if isinstance(extra, dict) and extra else "object"
    if isinstance(kind, list):
        return " or ".join(str(k) for k in kind)
    return str(kind or "any")


def _model_section(title: str, model: type[BaseModel]) -> list[str]:
    schema = model.model_json_schema(mode="serialization")
    out = [
        f"{title}: `{model.__name__}` ([schema](../tests/schema/{model.__name__}.json))",
        "",
        "| key | type | description |",
        "|---|---|---|",
    ]
    for key, prop in schema.get("properties", {}).items():
        note = _cell(str(prop.get("description", "")))
        kind = _cell(_kind(prop))
        out.append(f"| `{key}` | {kind} | {note} |")
    defs = schema.get("$defs", {})
    if defs:
        out += ["", "Objects inside it, and their keys:", ""]
        for name in sorted(defs):
            keys = ", ".join(f"`{k}`" for k in defs[name].get("properties", {}))
            if keys:
                out.append(f"- `{name}`: {keys}")
            elif "enum" in defs[name]:
                out.append(f"- `{name}`: one of " + ", ".join(f"`{v}`" for v in defs[name]["enum"]))
    return [*out, ""]


def build() -> str:
    """The whole page, as committed in docs/reference.md."""
    group: Any = typer.main.get_command(app)
    models = json_models()
    out = [
        "# Command reference",
        "",
        "<!-- Generated from the typer app and the result models by "
        f"`{REGENERATE}`; do not edit by hand "
        "(tests/test_command_reference.py fails when this page is stale). -->",
        "",
        HELP,
        "",
        "Every command takes `-h`/`--help`; `mgcalc --version` prints the version. The tasks these "
        "commands serve are described in [the guide](README.md); exit codes in "
        "[exit-codes.md](exit-codes.md), and the conventions of the output in [output.md](output.md).",
        "",
        "```text",
        EPILOG.replace("\b\n", "").strip(),
        "```",
        "",
        "Commands: " + ", ".join(f"[`{n}`](#mgcalc-{n})" for n in group.commands),
        "",
    ]
    for name, command in group.commands.items():
        ctx = command.make_context(f"mgcalc {name}", [], resilient_parsing=True)
        usage = " ".join(command.collect_usage_pieces(ctx))
        helptext = (command.help or "").strip()
        out += [f"## mgcalc {name}", "", "```text", f"mgcalc {name} {usage}", "```", ""]
        out += [re.sub(r"\n(?!\n)", " ", helptext), ""]
        page = DOCS_PAGES.get(name)
        if page:
            out += [f"Guide: [{page}]({page.removeprefix('docs/')})", ""]
        args = [p for p in command.params if p.param_type_name == "argument"]
        opts = [p for p in command.params if p.param_type_name == "option" and not p.hidden]
        if args:
            out += ["| argument | required | help |", "|---|---|---|"]
            for p in args:
                record = p.get_help_record(ctx)
                text = _SUFFIX.sub("", record[1]) if record else ""
                name_ = p.metavar or (p.name or "").upper()
                out.append(f"| `{name_}` | {'yes' if p.required else 'no'} | {_cell(text)} |")
            out.append("")
        if opts:
            out += ["| option | default | help |", "|---|---|---|"]
            for p in opts:
                record = p.get_help_record(ctx)
                if record is None:
                    continue
                text = _SUFFIX.sub("", record[1])
                if getattr(p, "multiple", False):
                    text += " (may be repeated)" if "repeat" not in text else ""
                out.append(f"| `{_cell(record[0])}` | {_default(p)} | {_cell(text)} |")
            out.append("")
        examples = [e.strip() for e in (command.epilog or "").splitlines() if e.startswith("  mgcalc")]
        if examples:
            out += ["Examples:", "", "```sh", *examples, "```", ""]
        for title, model in models.get(name, []):
            out += _model_section(f"`--json`, {title}", model)
    return "\n".join(out).rstrip("\n") + "\n"
