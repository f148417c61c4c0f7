"""The benchmarks' helpers: statistics, tables, results, data generators, the loopback guard."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from bench import _common, _load
from bench.embedding import recall_at_10
from bench.ingest import profile_events
from bench.search_scale import synthetic


def test_samples_and_percentile() -> None:
    samples = _common.Samples([3.0, 1.0, 2.0])
    assert samples.median == 2.0 and samples.spread == (1.0, 3.0)
    assert samples.summary() == {"median": 2.0, "min": 1.0, "max": 3.0, "n": 3}
    assert _common.percentile([1.0, 2.0, 3.0, 4.0], 50) == pytest.approx(2.5)
    assert _common.percentile([5.0], 99) == 5.0
    assert np.isnan(_common.percentile([], 50))


def test_table_aligns_columns() -> None:
    text = _common.table(["name", "value"], [["a", 1.5], ["longer", "x"]])
    lines = text.splitlines()
    assert lines[0].startswith("name") and set(lines[1]) == {"-"}
    assert len({len(line) for line in lines}) == 1


def test_write_result_adds_the_machine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_common, "RESULTS_DIR", tmp_path)
    path = _common.write_result("demo", {"value": 1}, quick=True)
    document = json.loads(path.read_text())
    assert path.name == "demo-quick.json" and document["value"] == 1 and document["quick"] is True
    assert document["machine"]["nproc"] >= 1


def test_synthetic_vectors_are_normalized_and_reproducible() -> None:
    base = np.eye(8, dtype=np.float32)
    rows = synthetic(base, 1000, seed=1, chunk=300)
    assert rows.shape == (1000, 8) and rows.dtype == np.float32
    assert np.allclose(np.linalg.norm(rows, axis=1), 1.0, atol=1e-5)
    assert np.array_equal(rows, synthetic(base, 1000, seed=1, chunk=300))


def test_recall_is_one_against_itself_and_drops_for_noise() -> None:
    rng = np.random.default_rng(0)
    reference = rng.normal(size=(200, 16)).astype(np.float32)
    assert recall_at_10(reference, reference) == 1.0
    assert recall_at_10(reference, rng.normal(size=(200, 16)).astype(np.float32)) < 0.5


def test_ingest_events_bump_versions_per_record() -> None:
    events = profile_events(60, updates=0.3, seed=5)
    latest: dict[int, int] = {}
    for event in events:
        assert event.record_version == latest.get(event.record_id, 0) + 1
        latest[event.record_id] = event.record_version
    assert len(latest) < 60  # some were edits of earlier records


@pytest.mark.parametrize("url", ["http://10.0.0.1:80/x", "http://example.com/", "http://192.168.1.2:8000"])
def test_load_refuses_anything_but_loopback(url: str) -> None:
    with pytest.raises(SystemExit):
        _load._check_loopback(url)
    _load._check_loopback("http://127.0.0.1:8000/healthz")
