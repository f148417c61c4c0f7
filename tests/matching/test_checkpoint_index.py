"""A checkpoint holds an approximate index in its own storage (8-bit codes, streamed straight from the live
index while writers wait), and a restore takes it over without re-training it."""

from __future__ import annotations

import threading
import zipfile
from pathlib import Path

import pytest

from services.matching.checkpointing import Checkpointer
from services.matching.domain import checkpoint as ckpt
from services.matching.domain.checkpoint import FILE_NAME, Fingerprint
from services.matching.domain.encoders import HybridEncoder
from services.matching.domain.index import IndexConfig
from services.matching.domain.occupations import OccupationNormalizer
from services.matching.domain.state import MatchingState
from shared.background import utc_now
from tests.matching.factories import profile

CONFIG = IndexConfig(approx_threshold=40, storage="sq8")


def _state(normalizer: OccupationNormalizer, encoder: HybridEncoder) -> MatchingState:
    return MatchingState(encoder.dim, normalizer=normalizer, index=CONFIG)


def test_an_ivf_side_round_trips_as_codes(occupation_normalizer: OccupationNormalizer,
                                          lexical_encoder: HybridEncoder, tmp_path: Path) -> None:
    state = _state(occupation_normalizer, lexical_encoder)
    texts = ["Java 后端开发", "护理与康复", "数据分析 SQL", "嵌入式 C 语言", "UI 设计 Figma"]
    state.apply([profile(i, 1, skills_text=f"{texts[i % 5]}，第 {i} 号经历") for i in range(1, 81)],
                lexical_encoder)
    assert (state.talents.index.kind, state.talents.index.storage) == ("ivf", "sq8")
    Checkpointer(directory=tmp_path, state=state, encoder=lexical_encoder,
                 max_text_chars=state.max_text_chars).save({"t:0": 80}, {}, wait=True)
    with zipfile.ZipFile(tmp_path / FILE_NAME) as zf:
        assert "talents.index.faiss" in zf.namelist()
        assert zf.getinfo("talents.vectors.npy").file_size < 1024  # no decoded float32 copy

    restored = _state(occupation_normalizer, lexical_encoder)
    assert Checkpointer(directory=tmp_path, state=restored, encoder=lexical_encoder,
                        max_text_chars=state.max_text_chars).load() is not None
    index = restored.talents.index
    assert (index.kind, index.storage, len(index)) == ("ivf", "sq8", 80)
    for record in (3, 42, 77):
        vector = state.talents.index.vector(record)
        assert vector is not None
        assert [i for i, _ in index.search(vector, 5)] == [i for i, _ in state.talents.index.search(vector, 5)]
    state.apply([profile(3, 2, skills_text="全新的文本：航空发动机维修")], lexical_encoder)
    restored.apply([profile(3, 2, skills_text="全新的文本：航空发动机维修")], lexical_encoder)
    assert restored.talents.versions[3] == 2 and len(restored.talents.index) == 80


@pytest.mark.parametrize("config", [CONFIG, IndexConfig(approx_threshold=1000)], ids=["ivf", "flat"])
def test_a_save_streams_the_live_index_while_writers_wait_and_searches_go_on(
        occupation_normalizer: OccupationNormalizer, lexical_encoder: HybridEncoder, tmp_path: Path,
        config: IndexConfig) -> None:
    """No clone of the index: the capture keeps the writers' lock until the index is in the file, so the
    file holds the state of the offsets it records even when a commit arrives meanwhile."""
    state = MatchingState(lexical_encoder.dim, normalizer=occupation_normalizer, index=config)
    state.apply([profile(i, 1, skills_text=f"Java 后端开发，第 {i} 号经历") for i in range(1, 61)], lexical_encoder)
    copy = state.copy_out(hold=True)
    if state.talents.index.kind == "ivf":
        assert copy.talents.index is state.talents.index  # the live index, not a snapshot
    else:
        assert copy.talents.index is None and not copy.talents.vectors.flags.owndata  # a view, not a copy
    late = threading.Thread(target=state.apply, args=([profile(7, 2, skills_text="护理与康复")], lexical_encoder))
    late.start()
    late.join(0.5)
    assert late.is_alive(), "a commit waits while the live index is being written"
    with state.reading():  # readers are not held
        vector = state.talents.index.vector(7)
        assert vector is not None and state.talents.index.search(vector, 1)[0][0] == 7
    ckpt.write(tmp_path, ckpt.Checkpoint(state=copy, positions={"t:0": 60}, last_records={}, figures=None,
                                         saved_at=utc_now()), Fingerprint.of(lexical_encoder, max_text_chars=2000))
    late.join(10)
    assert not late.is_alive() and state.talents.versions[7] == 2
    assert copy.hold is not None and copy.hold.seconds > 0.4
    copy.release()  # released once only: a second call is harmless

    restored = MatchingState(lexical_encoder.dim, normalizer=occupation_normalizer, index=config)
    assert Checkpointer(directory=tmp_path, state=restored, encoder=lexical_encoder,
                        max_text_chars=2000).load() is not None
    assert restored.talents.index.kind == state.talents.index.kind
    assert restored.talents.versions[7] == 1 and len(restored.talents.index) == 60
    stored, live = restored.talents.index.vector(7), state.talents.index.vector(7)
    assert stored is not None and live is not None and float(stored @ live) < 0.99  # the text before the commit


def test_a_failed_write_and_a_superseded_capture_let_writers_go_on(
        occupation_normalizer: OccupationNormalizer, lexical_encoder: HybridEncoder, tmp_path: Path) -> None:
    state = _state(occupation_normalizer, lexical_encoder)
    state.apply([profile(i, 1, skills_text=f"数据分析 SQL，第 {i} 号经历") for i in range(1, 61)], lexical_encoder)
    blocked = tmp_path / "a-file"
    blocked.write_bytes(b"")  # the checkpoint directory cannot be created under a file
    saver = Checkpointer(directory=blocked / "ckpt", state=state, encoder=lexical_encoder, max_text_chars=2000)
    saver.save({"t:0": 60}, {}, wait=True)
    assert saver.status()["failures"] == 1
    state.apply([profile(1, 2, skills_text="嵌入式 C 语言")], lexical_encoder)  # not held by the failed save

    saver = Checkpointer(directory=tmp_path / "ckpt", state=state, encoder=lexical_encoder, max_text_chars=2000)
    saver._pending = ckpt.Checkpoint(state=state.copy_out(hold=True), positions={"t:0": 61}, last_records={},
                                     figures=None, saved_at=utc_now())  # captured, its writer not started yet
    saver.save({"t:0": 61}, {}, wait=True)  # supersedes it: its hold is released, or this would wait forever
    state.apply([profile(2, 2, skills_text="UI 设计 Figma")], lexical_encoder)
    assert saver.status()["saves"] == 1 and state.talents.versions[2] == 2
