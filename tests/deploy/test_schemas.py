"""The vendored schemas are intact copies (see schemas/README.md for their sources)."""

from __future__ import annotations

import hashlib
import json

import pytest

from ._support import K8S_SCHEMA_FILES, K8S_SCHEMAS, SCHEMAS

SUMS: dict[str, str] = {name: digest for digest, name in (line.split("  ", 1)
                                                        for line in (SCHEMAS / "SHA256SUMS").read_text().splitlines())}


@pytest.mark.parametrize("relative", sorted(SUMS))
def test_vendored_schema_is_unchanged(relative: str) -> None:
    data = (SCHEMAS / relative).read_bytes()
    assert hashlib.sha256(data).hexdigest() == SUMS[relative], f"{relative} was modified"
    json.loads(data)


def test_every_schema_file_is_pinned() -> None:
    on_disk = {p.relative_to(SCHEMAS).as_posix() for p in SCHEMAS.rglob("*.json")}
    assert on_disk == set(SUMS)
    for file_name in K8S_SCHEMA_FILES.values():
        assert (K8S_SCHEMAS / file_name).relative_to(SCHEMAS).as_posix() in SUMS
