"""The normalizer's weights."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["NormalizerConfig"]


@dataclass(frozen=True)
class NormalizerConfig:
    """Weights; the defaults were chosen on the held-out-alias set, half of testcases.csv and its CV."""

    ngram_weights: tuple[float, float, float] = (1.0, 0.7, 0.3)  # Chinese character 1-, 2-, 3-grams
    word_weight: float = 1.0  # English words
    word_bigram_weight: float = 1.0
    # Short-entry weights (an occupation takes its best entry).
    name_weight: float = 1.0
    alias_weight: float = 1.0
    english_weight: float = 1.0
    parent_weight: float = 0.8  # name/aliases of the leaf's unit group (level 3)
    labelled_weight: float = 1.0  # labelled recruitment titles (1.2 fits their labels better, 1.0 the taxonomy)
    # Components of the final score (normalised by their sum).
    short_weight: float = 1.0
    bag_weight: float = 0.5
    definition_weight: float = 0.8
    contain_weight: float = 0.1
    prior_weight: float = 0.1
    # Kernel ridge classifier over the labelled titles (``occupation_classifier``); 0 turns it off.
    classifier_weight: float = 0.6
    classifier_ridge: float = 1.0
    # Added to digital occupations for a title naming a digital-technology skill; 0 turns it off.
    digital_skill_bonus: float = 0.05
    # Query variants.
    segment_weight: float = 0.95  # one segment of a multi-segment title
    extra_weight: float = 0.8  # bracketed text
    use_exact: bool = True
    role_variants: bool = True  # exact lookup also by another role suffix of a taxonomy name/alias
