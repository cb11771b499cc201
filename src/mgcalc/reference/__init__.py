"""The data edge: the only code that reads data files.

``load_reference()`` returns one frozen ``Reference`` bundle (forms,
absorption, cautions, intake, label conventions, sources) that the command
line loads once and passes to the core explicitly. Nothing here writes
anything, reads the environment, or keeps a cache outside the process.
"""

from __future__ import annotations

from mgcalc.reference.files import (
    DATA_FILES,
    MAX_FILE_BYTES,
    check_catalogue,
    load_catalogue,
    load_reference,
    packaged_path,
    packaged_reference,
    read_yaml,
)

__all__ = [
    "DATA_FILES",
    "MAX_FILE_BYTES",
    "check_catalogue",
    "load_catalogue",
    "load_reference",
    "packaged_path",
    "packaged_reference",
    "read_yaml",
]
