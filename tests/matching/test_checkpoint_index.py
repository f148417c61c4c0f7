"""A checkpoint holds an approximate index in its own storage (8-bit codes, streamed), and a restore
takes it over without re-training it."""

from __future__ import annotations

import zipfile
from pathlib import Path

from services.matching.checkpointing import Checkpointer
from services.matching.domain.checkpoint import FILE_NAME
from services.matching.domain.encoders import HybridEncoder
from services.matching.domain.index import IndexConfig
from services.matching.domain.occupations import OccupationNormalizer
from services.matching.domain.state import MatchingState
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
