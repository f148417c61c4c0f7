"""What keeps a million records small: IVF lists grown by an eighth instead of doubled (same contents,
same answers as FAISS's own appends), and documents without a per-instance dict whose cities are shared."""

from __future__ import annotations

import pickle
from dataclasses import replace

import faiss
import numpy as np
import pytest

from services.matching.domain.documents import OpportunityDoc, TalentDoc
from services.matching.domain.index import IndexConfig, VectorIndex
from services.matching.domain.ivf_lists import HEADROOM, ListCapacity

DIM = 64


def _vectors(n: int, seed: int) -> np.ndarray:
    rows = np.random.default_rng(seed).standard_normal((n, DIM)).astype(np.float32)
    normalized: np.ndarray = rows / np.linalg.norm(rows, axis=1, keepdims=True)
    return normalized


def _lists(index: VectorIndex) -> list[tuple[list[int], bytes]]:
    inner = index._index.invlists  # the lists themselves are what this test compares
    out = []
    for list_no in range(index.nlist):
        size = inner.list_size(list_no)
        ids = faiss.rev_swig_ptr(inner.get_ids(list_no), size).tolist() if size else []
        codes = faiss.rev_swig_ptr(inner.get_codes(list_no), size * inner.code_size).tobytes() if size else b""
        out.append((ids, codes))
    return out


@pytest.mark.parametrize("storage", ["float32", "sq8"])
def test_appends_with_headroom_hold_what_faiss_appends_hold(storage: str) -> None:
    vectors = _vectors(6000, seed=3)
    config = IndexConfig(approx_threshold=100, storage=storage)  # type: ignore[arg-type]
    managed = VectorIndex.build(DIM, range(2000), vectors[:2000], config=config, kind="ivf")
    plain = VectorIndex._wrapping(DIM, faiss.clone_index(managed._index), range(2000),
                                  config=config, trained_for=managed.trained_for)
    for begin in range(2000, 6000, 500):  # each batch re-allocates the lists it would overflow
        ids = np.arange(begin, begin + 500, dtype=np.int64)
        managed.upsert_many(ids.tolist(), vectors[begin:begin + 500])
        plain._index.add_with_ids(vectors[begin:begin + 500], ids)
    assert managed.stored == plain.stored == 6000
    assert _lists(managed) == _lists(plain)  # same entries, same order: offsets (the direct map) unchanged
    assert managed._lists is not None
    capacity = managed._lists._capacity
    sizes = np.array([len(ids) for ids, _ in _lists(managed)])
    assert (capacity >= sizes).all() and (capacity <= sizes + sizes // HEADROOM + 500 // HEADROOM + 2).all()
    for q in (0, 2500, 5999):
        assert managed.search(vectors[q], 5) == plain.search(vectors[q], 5)
        assert managed.search(vectors[q], 1)[0][0] == q
    assert managed.remove_many([2500, 7]) == 2 and 2500 not in managed
    managed.upsert_many([7], vectors[[4000]])
    moved = managed.vector(7)
    assert moved is not None and float(moved @ vectors[4000]) > 0.95  # 8-bit codes: close, not exact


def test_a_loaded_index_starts_from_its_list_sizes() -> None:
    vectors = _vectors(1000, seed=4)
    index = VectorIndex.build(DIM, range(1000), vectors, config=IndexConfig(approx_threshold=100), kind="ivf")
    loaded = ListCapacity(faiss.deserialize_index(faiss.serialize_index(index._index)))
    assert loaded._capacity.tolist() == [len(ids) for ids, _ in _lists(index)]


def _talent(city: str, desired: tuple[str, ...]) -> TalentDoc:
    return TalentDoc(id=1, display_name="林晓雯", city=city, desired_cities=desired, level=None,
                     years_experience=4, skills=("python", "spark"), wanted_kinds=(), open_to_work=True)


def test_documents_share_their_cities_and_have_no_instance_dict() -> None:
    built = "".join(["杭", "州市"])  # a fresh string object, as decoding an event gives
    first, second = _talent(built, ("上海市",)), _talent("".join(["杭州", "市"]), ("".join(["上海", "市"]),))
    assert first.city is second.city and first.desired_cities[0] is second.desired_cities[0]
    assert not hasattr(first, "__dict__")
    moved = replace(first, city="".join(["苏", "州市"]))
    assert moved.city == "苏州市" and moved.city is _talent("苏州市", ()).city
    assert pickle.loads(pickle.dumps(first)) == first  # checkpoints pickle documents
    with pytest.raises(AttributeError):
        first.city = "北京市"  # type: ignore[misc]
    posting = OpportunityDoc(id=9, kind="job_posting", title="数据工程师", organization="".join(["杭州", "云栖科技"]),  # type: ignore[arg-type]
                             city="杭州市", level=None, training_mode=None, hiring_commitment=True,
                             skills=("spark",), open=True, closes_on=None)
    again = replace(posting, id=10, organization="".join(["杭州云栖", "科技"]))
    assert posting.organization is again.organization and posting.city is first.city
    assert pickle.loads(pickle.dumps(posting)) == posting
