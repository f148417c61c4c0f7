"""Only what changed is embedded: superseded versions in a batch, and upserts whose text is unchanged."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from services.matching.checkpointing import Checkpointer
from services.matching.domain.documents import Tags, record_tags
from services.matching.domain.encoders import HybridEncoder
from services.matching.domain.occupations import OccupationNormalizer
from services.matching.domain.state import MatchingState
from tests.matching.factories import profile, profile_deleted
from tests.matching.test_state import CountingEncoder

TEXT = "五年数据仓库与 Spark 开发经验。"


def _state(normalizer: OccupationNormalizer, encoder: HybridEncoder) -> MatchingState:
    return MatchingState(encoder.dim, normalizer=normalizer)


def test_superseded_versions_in_a_batch_are_never_embedded(occupation_normalizer: OccupationNormalizer,
                                                           lexical_encoder: HybridEncoder) -> None:
    state = _state(occupation_normalizer, lexical_encoder)
    encoder = CountingEncoder(lexical_encoder)
    versions = [profile(1, v, skills_text=f"第 {v} 版：{'Java 后端' if v < 5 else '护理'}经验") for v in range(1, 6)]
    batch = state.apply([*versions, profile(2, 1)], encoder)
    assert encoder.calls == [2]  # the newest version of record 1, and record 2
    assert (batch.upserted, batch.ignored, batch.embedded) == (2, 4, 2)
    newest_only = _state(occupation_normalizer, lexical_encoder)
    newest_only.apply([versions[-1]], lexical_encoder)
    vector, expected = state.talents.index.vector(1), newest_only.talents.index.vector(1)
    assert state.talents.versions[1] == 5
    assert vector is not None and expected is not None and np.array_equal(vector, expected)


def test_an_unchanged_text_keeps_its_vector_and_still_updates_the_document(
        occupation_normalizer: OccupationNormalizer, lexical_encoder: HybridEncoder) -> None:
    state = _state(occupation_normalizer, lexical_encoder)
    encoder = CountingEncoder(lexical_encoder)
    state.apply([profile(1, 1, skills_text=TEXT, city="杭州市")], encoder)
    before = state.talents.index.vector(1)
    moved = state.apply([profile(1, 2, skills_text=TEXT, city="上海市", open_to_work=False,
                                 wanted_kinds=["training_class"])], encoder)
    assert encoder.calls == [1]  # the second batch embedded nothing
    assert (moved.upserted, moved.embedded) == (1, 0)
    doc = state.talents.docs[1]
    assert (doc.city, doc.open_to_work, state.talents.versions[1]) == ("上海市", False, 2)
    assert [str(k) for k in doc.wanted_kinds] == ["training_class"]
    after = state.talents.index.vector(1)
    assert before is not None and after is not None and np.array_equal(before, after)
    assert state.talents.index.stored == 1

    rewritten = state.apply([profile(1, 3, skills_text="十年嵌入式 C 语言与单片机开发经验。")], encoder)
    assert encoder.calls == [1, 1] and rewritten.embedded == 1
    changed = state.talents.index.vector(1)
    assert changed is not None and not np.allclose(changed, before)


def test_a_deleted_record_is_embedded_again_when_it_returns(occupation_normalizer: OccupationNormalizer,
                                                            lexical_encoder: HybridEncoder) -> None:
    state = _state(occupation_normalizer, lexical_encoder)
    encoder = CountingEncoder(lexical_encoder)
    state.apply([profile(1, 1, skills_text=TEXT)], encoder)
    state.apply([profile_deleted(1, 2)], encoder)
    back = state.apply([profile(1, 3, skills_text=TEXT)], encoder)
    assert back.embedded == 1 and 1 in state.talents.index
    assert encoder.calls == [1, 1]


def test_text_digests_survive_a_checkpoint(occupation_normalizer: OccupationNormalizer,
                                           lexical_encoder: HybridEncoder, tmp_path: Path) -> None:
    state = _state(occupation_normalizer, lexical_encoder)
    state.apply([profile(1, 1, skills_text=TEXT), profile(2, 1)], lexical_encoder)
    Checkpointer(directory=tmp_path, state=state, encoder=lexical_encoder,
                 max_text_chars=state.max_text_chars).save({"t:0": 2}, {}, wait=True)
    restored = _state(occupation_normalizer, lexical_encoder)
    assert Checkpointer(directory=tmp_path, state=restored, encoder=lexical_encoder,
                        max_text_chars=state.max_text_chars).load() is not None
    encoder = CountingEncoder(lexical_encoder)
    batch = restored.apply([profile(1, 2, skills_text=TEXT, city="北京市")], encoder)
    assert encoder.calls == [] and batch.embedded == 0
    assert restored.talents.docs[1].city == "北京市"


def test_an_unchanged_talent_skips_tagging_and_a_changed_one_is_tagged(
        occupation_normalizer: OccupationNormalizer, lexical_encoder: HybridEncoder,
        monkeypatch: pytest.MonkeyPatch) -> None:
    tagged: list[int] = []

    def counting(snapshots: Sequence[Any], **kwargs: Any) -> list[Tags]:
        tagged.append(len(snapshots))
        return record_tags(snapshots, **kwargs)

    monkeypatch.setattr("services.matching.domain.state.record_tags", counting)
    state = _state(occupation_normalizer, lexical_encoder)
    state.apply([profile(1, 1, skills_text=TEXT), profile(2, 1, skills_text=TEXT)], lexical_encoder)
    first = state.talents.docs[1]
    state.apply([profile(1, 2, skills_text=TEXT, open_to_work=False),
                 profile(2, 2, skills_text=TEXT, certificates=[{"name": "数字技术工程师"}])], lexical_encoder)
    assert tagged == [2, 1]  # record 1 kept its tags; record 2's certificates are tagging input
    assert state.talents.docs[1].occupations == first.occupations
    assert state.talents.docs[1].open_to_work is False
