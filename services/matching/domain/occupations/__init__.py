"""Job titles → CSCO 2022 leaf occupations: cleaning, TF-IDF index, classifier, normalizer, alias data."""

from services.matching.domain.occupations.codes import is_hit
from services.matching.domain.occupations.lazy import LazyNormalizer, TitleNormalizer
from services.matching.domain.occupations.normalizer import OccupationMatch, OccupationNormalizer, build_normalizer

__all__ = ["LazyNormalizer", "OccupationMatch", "OccupationNormalizer", "TitleNormalizer", "build_normalizer", "is_hit"]
