"""The in-memory matching state of one replica: per side a vector index, documents and versions.

Applying is split in three steps so embedding and indexing can later live in different processes:
``plan`` (pick the events that matter, build documents and texts) → ``encoder.encode(plan.texts)``
→ ``commit`` (re-check versions, write index and documents under the lock).
Versions survive deletes (tombstones), so a replayed or late event never resurrects a record.

Only what changed is embedded: ``plan`` keeps a record's newest event of the batch (the superseded ones
are never embedded), and an upsert whose content digest equals the one its indexed vector was made from
keeps that vector — its document and version still update (city, wanted kinds, open to work, ...), its
vector is neither re-embedded nor rewritten in the index. A talent's digest covers what its tags and its
text are derived from (skills, certificates, free text), so an unchanged talent also keeps its tags and
skips tagging; an opportunity's covers its text (its tags read fields beyond it).
"""

from __future__ import annotations

import hashlib
import threading
import zlib
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any, Generic, Literal, TypeVar

import numpy as np

from services.matching.domain.documents import (
    OpportunityDoc,
    Tags,
    TalentDoc,
    opportunity_document,
    record_tags,
    talent_document,
)
from services.matching.domain.encoders import TextEncoder, Vectors
from services.matching.domain.hold import WritersHold
from services.matching.domain.index import IndexConfig, VectorIndex
from services.matching.domain.occupations import TitleNormalizer
from shared.events.contracts import (
    OpportunityEvent,
    OpportunityUpsertedV1,
    ProfileDeletedV1,
    ProfileEvent,
    ProfileSnapshot,
    ProfileUpsertedV1,
)

Side = Literal["talents", "opportunities"]
AnyEvent = ProfileEvent | OpportunityEvent
RecordKey = tuple[Side, int, int]  # side, record id, version
DocT = TypeVar("DocT", TalentDoc, OpportunityDoc)


@dataclass
class SideState(Generic[DocT]):
    """One side of the market: its vectors, its documents and the newest version seen per record."""

    index: VectorIndex
    docs: dict[int, DocT] = field(default_factory=dict)
    versions: dict[int, int] = field(default_factory=dict)
    digests: dict[int, int] = field(default_factory=dict)  # of the text each indexed vector was made from

    def deleted(self, record_id: int) -> bool:
        return record_id in self.versions and record_id not in self.docs


@dataclass(frozen=True)
class Change:
    """The newest event of one record in a batch; ``doc`` None means delete."""

    side: Side
    record_id: int
    version: int
    doc: TalentDoc | OpportunityDoc | None = None
    text: str = ""
    digest: int = 0  # of ``text``
    keeps_vector: bool = False  # the record's indexed vector was made from this same text: not embedded


@dataclass(frozen=True)
class Plan:
    changes: tuple[Change, ...]
    events: int  # decoded events in the batch: all count towards the generation
    ignored: int  # stale or superseded within the batch

    @property
    def upserts(self) -> list[Change]:
        return [c for c in self.changes if c.doc is not None]

    @property
    def to_embed(self) -> list[Change]:
        """The upserts whose text the model must read (in ``texts`` order)."""
        return [c for c in self.changes if c.doc is not None and not c.keeps_vector]

    @property
    def texts(self) -> list[str]:
        return [c.text for c in self.to_embed]


@dataclass(frozen=True)
class AppliedBatch:
    events: int
    upserted: int
    deleted: int
    ignored: int
    embedded: int  # upserts whose text was embedded; the others kept their vector
    changed: frozenset[Side]
    generation: int


def _side_of(event: AnyEvent) -> Side:
    return "talents" if isinstance(event, ProfileUpsertedV1 | ProfileDeletedV1) else "opportunities"


class MatchingState:
    """Thread-safe: writers commit under the lock; readers search inside ``reading()``.

    Writers are also serialized among themselves (``_write_lock``), so an index that outgrew its kind
    (see ``VectorIndex.needs_rebuild``) is rebuilt after the commit without holding the read lock:
    searches go on against the old index, and the new one is swapped in under the lock.
    """

    def __init__(self, dim: int, *, max_text_chars: int = 2000, index: IndexConfig | None = None,
                 normalizer: TitleNormalizer | None = None) -> None:
        """``normalizer`` tags the events that come without tags; None: every event comes with its tags
        (a replica fed by embedding workers)."""
        self.dim = dim
        self.normalizer = normalizer
        self.max_text_chars = max_text_chars
        self.index_config = index or IndexConfig()
        self.talents: SideState[TalentDoc] = SideState(VectorIndex(dim, config=self.index_config))
        self.opportunities: SideState[OpportunityDoc] = SideState(VectorIndex(dim, config=self.index_config))
        self.generation = 0  # events consumed so far: equal on replicas that read the same offsets
        self.offsets: dict[str, int] = {}  # "topic:partition" → next offset, committed with the data
        self.rebuilds = 0
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()

    @contextmanager
    def reading(self) -> Iterator[MatchingState]:
        """Hold the lock while reading several things that must agree (token, vector, search)."""
        with self._lock:
            yield self

    def cache_token(self) -> str:
        """Names this exact state: the generation plus a digest of the offsets it was built from."""
        digest = zlib.crc32(repr(sorted(self.offsets.items())).encode())
        return f"{self.generation}-{digest:08x}"

    def _side(self, side: Side) -> SideState[TalentDoc] | SideState[OpportunityDoc]:
        return self.talents if side == "talents" else self.opportunities

    def plan(self, events: Sequence[AnyEvent], *, tags: Mapping[RecordKey, Tags] | None = None) -> Plan:
        """Keep the newest event per record, drop those not newer than known, build documents (with the
        ``tags`` an embedding worker derived, where given)."""
        newest: dict[tuple[Side, int], AnyEvent] = {}
        for event in events:
            key = (_side_of(event), event.record_id)
            held = newest.get(key)
            if held is None or event.record_version > held.record_version:
                newest[key] = event
        with self._lock:
            fresh = [(key, e) for key, e in newest.items()
                     if e.record_version > self._side(key[0]).versions.get(key[1], 0)]
        given = dict(tags or {})
        with self._lock:
            for (side, _), event in fresh:
                record = (side, event.record_id, event.record_version)
                if record not in given and isinstance(event, ProfileUpsertedV1):
                    kept = self._kept_tags(event)
                    if kept is not None:
                        given[record] = kept
        untagged = [(side, e) for (side, _), e in fresh if isinstance(e, ProfileUpsertedV1 | OpportunityUpsertedV1)
                    and (side, e.record_id, e.record_version) not in given]
        snapshots = [e.profile if isinstance(e, ProfileUpsertedV1) else e.opportunity for _, e in untagged]
        if snapshots and self.normalizer is None:
            raise ValueError(f"{len(snapshots)} events came without tags and this state has no normalizer")
        found_tags = record_tags(snapshots, normalizer=self.normalizer) if self.normalizer is not None else []
        for (side, event), found in zip(untagged, found_tags, strict=True):  # one batched call
            given[(side, event.record_id, event.record_version)] = found
        changes = [self._change(side, event, given.get((side, event.record_id, event.record_version)))
                   for (side, _), event in fresh]
        with self._lock:
            changes = [replace(c, keeps_vector=True) if self._same_text(c) else c for c in changes]
        return Plan(changes=tuple(changes), events=len(events), ignored=len(events) - len(changes))

    def _kept_tags(self, event: ProfileUpsertedV1) -> Tags | None:
        """The talent's stored tags, if what they were derived from is unchanged (holds the lock)."""
        doc = self.talents.docs.get(event.record_id)
        if doc is None or self.talents.digests.get(event.record_id) != talent_digest(event.profile):
            return None
        return Tags(doc.skills, doc.occupations)

    def _same_text(self, change: Change) -> bool:
        state = self._side(change.side)
        return (change.doc is not None and state.digests.get(change.record_id) == change.digest
                and change.record_id in state.index)

    def _change(self, side: Side, event: AnyEvent, tags: Tags | None) -> Change:
        doc: TalentDoc | OpportunityDoc | None = None
        text = ""
        if isinstance(event, ProfileUpsertedV1) and tags is not None:  # ``plan`` tags every upsert
            doc, text = talent_document(event.record_id, event.profile, max_chars=self.max_text_chars,
                                        owner=event.owner_id, tags=tags)
        elif isinstance(event, OpportunityUpsertedV1) and tags is not None:
            doc, text = opportunity_document(event.record_id, event.opportunity,
                                             max_chars=self.max_text_chars, owner=event.owner_id, tags=tags)
        return Change(side=side, record_id=event.record_id, version=event.record_version, doc=doc, text=text,
                      digest=0 if doc is None else talent_digest(event.profile)
                      if isinstance(event, ProfileUpsertedV1) else text_digest(text))

    def commit(self, plan: Plan, vectors: Vectors, *,
               offsets: Mapping[str, int] | None = None) -> AppliedBatch:
        """Write the plan (``vectors`` are the rows of ``plan.texts``); one add and one remove per side."""
        upserts = plan.to_embed
        if len(vectors) != len(upserts):
            raise ValueError(f"{len(vectors)} vectors for {len(upserts)} texts to embed")
        with self._write_lock:
            batch = self._commit(plan, vectors, upserts, offsets)
            self._rebuild_grown()
        return batch

    def _commit(self, plan: Plan, vectors: Vectors, upserts: list[Change],
                offsets: Mapping[str, int] | None) -> AppliedBatch:
        row_of = {id(change): row for row, change in enumerate(upserts)}
        upserted = deleted = ignored = 0
        changed: set[Side] = set()
        with self._lock:
            for side in ("talents", "opportunities"):
                state = self._side(side)
                todo = [c for c in plan.changes
                        if c.side == side and c.version > state.versions.get(c.record_id, 0)]
                ignored += sum(1 for c in plan.changes if c.side == side) - len(todo)
                # A kept vector is still the one indexed unless a restore came between plan and commit.
                stale = [c for c in todo if c.keeps_vector and not self._same_text(c)]
                if stale:
                    raise RuntimeError(f"{len(stale)} kept vectors vanished between plan and commit")
                adds = [c for c in todo if c.doc is not None and not c.keeps_vector]
                removes = [c.record_id for c in todo if c.doc is None]
                if adds:
                    state.index.upsert_many([c.record_id for c in adds],
                                            vectors[[row_of[id(c)] for c in adds]])
                state.index.remove_many(removes)
                _record(state, todo)
                upserted += sum(1 for c in todo if c.doc is not None)
                deleted += len(removes)
                if todo:
                    changed.add(side)
            self.generation += plan.events
            if offsets:
                self.offsets.update(offsets)
            generation = self.generation
        return AppliedBatch(events=plan.events, upserted=upserted, deleted=deleted,
                            ignored=plan.ignored + ignored, embedded=len(upserts), changed=frozenset(changed),
                            generation=generation)

    def _rebuild_grown(self) -> None:
        """Swap in a rebuilt index for a side whose size calls for another kind (holds the write lock)."""
        for side in ("talents", "opportunities"):
            state = self._side(side)
            if state.index.needs_rebuild():
                fresh = state.index.rebuilt()  # reads the old index next to searches: both only read
                with self._lock:
                    state.index = fresh
                self.rebuilds += 1

    def copy_out(self, *, hold: bool = False) -> StateCopy:
        """A consistent copy for a checkpoint; holds only the writers' lock, so searches go on meanwhile.

        ``hold``: an approximate index is not cloned, nor a flat one's vectors copied out; the copy refers to
        the live index (or a view of its vectors) and keeps the writers' lock (no commit, rebuild or restore
        changes them) until ``StateCopy.release()``, so a checkpoint streams them to its file without a second
        copy in memory. Searches are not held.
        """
        self._write_lock.acquire()
        try:
            sides = {side: _copy_side(self._side(side), live=hold) for side in ("talents", "opportunities")}
            copy = StateCopy(generation=self.generation, offsets=dict(self.offsets), talents=sides["talents"],
                             opportunities=sides["opportunities"], hold=WritersHold(self._write_lock) if hold else None)
        except BaseException:
            self._write_lock.release()
            raise
        if not hold:
            self._write_lock.release()
        return copy

    def restore(self, copy: StateCopy) -> None:
        """Replace everything by ``copy`` (indexes of the kind their sizes call for)."""
        with self._write_lock:
            talents = _side_from(copy.talents, self.dim, self.index_config)
            opportunities = _side_from(copy.opportunities, self.dim, self.index_config)
            with self._lock:
                self.talents = talents
                self.opportunities = opportunities
                self.generation, self.offsets = copy.generation, dict(copy.offsets)

    def reset(self) -> None:
        """Back to empty: the start of a rebuild from the beginning of the topics."""
        self.restore(StateCopy(generation=0, offsets={}, talents=SideCopy.empty(self.dim),
                               opportunities=SideCopy.empty(self.dim)))

    def apply(self, events: Sequence[AnyEvent], encoder: TextEncoder, *,
              offsets: Mapping[str, int] | None = None) -> AppliedBatch:
        """Plan, encode all upserts in one batched call, commit."""
        plan = self.plan(events)
        texts = plan.texts
        vectors = encoder.encode(texts) if texts else _empty(self.dim)
        return self.commit(plan, vectors, offsets=offsets)


@dataclass(frozen=True)
class SideCopy:
    """One side, detached from the live state: rows of ``vectors`` belong to ``ids`` — or, for an
    approximate index, ``index`` holds them in its own storage (8-bit codes are not decoded into a float32
    copy four times their size) and ``vectors`` is empty; a restore takes that index over. While the copy
    holds the writers' lock (``StateCopy.hold``), ``index`` is the live index itself and ``vectors`` a view
    of the live flat index's array: valid until ``StateCopy.release()``."""

    ids: list[int]
    vectors: Vectors
    docs: dict[int, TalentDoc] | dict[int, OpportunityDoc]
    versions: dict[int, int]  # deleted records keep theirs (tombstones)
    digests: dict[int, int] = field(default_factory=dict)  # of the texts the vectors were made from
    index: VectorIndex | None = None

    @classmethod
    def empty(cls, dim: int) -> SideCopy:
        return cls(ids=[], vectors=_empty(dim), docs={}, versions={})


@dataclass(frozen=True)
class StateCopy:
    generation: int
    offsets: dict[str, int]
    talents: SideCopy
    opportunities: SideCopy
    hold: WritersHold | None = None  # set when the sides' indexes are the live ones (``copy_out(hold=True)``)

    def release(self) -> None:
        """Let writers go on: the live indexes this copy refers to have been written (or will not be)."""
        if self.hold is not None:
            self.hold.release()


def _copy_side(state: SideState[TalentDoc] | SideState[OpportunityDoc], *, live: bool = False) -> SideCopy:
    if state.index.kind == "ivf":
        snapshot = state.index if live else state.index.snapshot()
        return SideCopy(ids=sorted(state.docs), vectors=_empty(state.index.dim), docs=state.docs.copy(),
                        versions=dict(state.versions), digests=dict(state.digests), index=snapshot)
    ids, vectors = state.index.view() if live else state.index.export()
    return SideCopy(ids=ids, vectors=vectors, docs=state.docs.copy(), versions=dict(state.versions),
                    digests=dict(state.digests))


def _side_from(copy: SideCopy, dim: int, config: IndexConfig) -> SideState[Any]:
    held = len(copy.index) if copy.index is not None else len(copy.vectors)
    if len(copy.ids) != held or set(copy.ids) != set(copy.docs):
        raise ValueError("a side's ids, vectors and documents disagree")
    index = copy.index.adopt(config) if copy.index is not None \
        else VectorIndex.build(dim, copy.ids, copy.vectors, config=config)
    digests = {i: d for i, d in copy.digests.items() if i in copy.docs}
    return SideState(index, docs=dict(copy.docs), versions=dict(copy.versions), digests=digests)


def _record(state: SideState[TalentDoc] | SideState[OpportunityDoc], changes: list[Change]) -> None:
    """Store versions (kept after a delete: the tombstone) and documents of applied changes."""
    docs: dict[int, TalentDoc | OpportunityDoc] = state.docs  # type: ignore[assignment]
    for change in changes:
        state.versions[change.record_id] = change.version
        if change.doc is None:
            docs.pop(change.record_id, None)
            state.digests.pop(change.record_id, None)
        else:
            docs[change.record_id] = change.doc
            state.digests[change.record_id] = change.digest


def text_digest(text: str) -> int:
    """64 bits of BLAKE2b: two different texts share one with odds of about 1 in 2^64."""
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little", signed=True)


def talent_digest(profile: ProfileSnapshot) -> int:
    """Of what a talent's tags and text are derived from (``record_tags``, ``talent_document``)."""
    parts = ["\x1f".join(profile.skills), "\x1f".join(c.name for c in profile.certificates), profile.skills_text]
    return text_digest("\x1e".join(parts))


def _empty(dim: int) -> Vectors:
    return np.zeros((0, dim), dtype=np.float32)
