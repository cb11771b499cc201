"""Build hook: the packaged data as JSON, validated by mgcalc's own models at build time.

data/*.yaml stays the single source of truth. The wheel also carries a JSON
copy of each file, written here after the whole bundle has validated, so that
an installed mgcalc neither parses YAML nor builds validation schemas at
start-up (mgcalc.reference constructs the models from the JSON directly). A
source checkout without the JSON reads and validates the YAML.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class DataHook(BuildHookInterface):  # type: ignore[misc]
    """Validate data/*.yaml and add a JSON copy of each to the wheel."""

    PLUGIN_NAME = "mgcalc-data"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel":
            return
        import yaml

        root = Path(self.root)
        sys.path.insert(0, str(root / "src"))
        try:
            from mgcalc.reference.files import DATA_FILES, validate_raw
        finally:
            sys.path.pop(0)
        raw = {}
        for field, (stem, _model) in DATA_FILES.items():
            text = (root / "data" / f"{stem}.yaml").read_text(encoding="utf-8")
            raw[field] = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        bundle = validate_raw(raw)  # raises on any problem: an invalid data file never ships
        out = Path(tempfile.mkdtemp(prefix="mgcalc-data-"))
        for field, (stem, _model) in DATA_FILES.items():
            path = out / f"{stem}.json"
            path.write_text(
                json.dumps(raw[field], ensure_ascii=False, separators=(",", ":")), encoding="utf-8"
            )
            build_data["force_include"][str(path)] = f"mgcalc/data/{stem}.json"
        # the catalogue's name index, so start-up need not normalise every name again
        index = out / "forms.index.json"
        index.write_text(json.dumps(bundle.catalogue.name_index(), ensure_ascii=False), encoding="utf-8")
        build_data["force_include"][str(index)] = "mgcalc/data/forms.index.json"
        # and the cautions' drug and condition names, normalised
        names = out / "cautions.index.json"
        names.write_text(json.dumps(bundle.cautions.name_index(), ensure_ascii=False), encoding="utf-8")
        build_data["force_include"][str(names)] = "mgcalc/data/cautions.index.json"
