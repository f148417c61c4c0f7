"""What the normalizer indexes per leaf occupation, collected from the taxonomy and labelled titles.

Short entries: an occupation's name, its aliases, its English aliases and, weighted lower, its unit group's
name and aliases; labelled recruitment titles add more. Exact keys map a whole name/alias (or a "/"-part of
one) to its occupations; containment keys are the parts found inside a title.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from services.matching.domain.occupations.cleaning import (
    SEPARATORS,
    classifier_text,
    clean_title,
    exact_key,
    has_content,
    nfkc,
)
from services.matching.domain.occupations.config import NormalizerConfig
from shared.reference.occupations import Occupation

__all__ = ["IndexEntries", "collect_entries"]

MIN_PART_KEY = 2  # shorter "/"-parts of an alias (one character) match too much to be exact or contained
# Role suffixes that name the same occupation in titles: "数据标注员" is the taxonomy's "数据标注师".
ROLE_SUFFIXES = ("专员", "人员", "员", "师")


def role_variants(key: str) -> list[str]:
    """The other role-suffix spellings of an exact key ("数据标注师" → "数据标注员", …); none without one."""
    for suffix in ROLE_SUFFIXES:
        stem = key.removesuffix(suffix)
        if stem != key and len(stem) >= MIN_PART_KEY:
            return [stem + other for other in ROLE_SUFFIXES if other != suffix]
    return []


@dataclass
class IndexEntries:
    entries: list[tuple[int, str, float]] = field(default_factory=list)  # (leaf index, text, weight)
    exact: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    contain: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    variants: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))  # role-suffix spellings
    labelled_exact: dict[str, Counter[int]] = field(default_factory=lambda: defaultdict(Counter))
    classifier_rows: list[tuple[str, Occupation]] = field(default_factory=list)  # (text, labelled occupation)
    n_known: npt.NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))  # aliases + labelled titles


def collect_entries(
    leaves: Sequence[Occupation],
    by_code: Mapping[str, Occupation],
    cfg: NormalizerConfig,
    *,
    english: Mapping[str, tuple[str, ...]],
    labelled_titles: Iterable[tuple[str, str]],
    exclude_aliases: Iterable[tuple[str, str]],
) -> IndexEntries:
    """The entries of ``leaves``; ``exclude_aliases`` are left out (see ``OccupationNormalizer``)."""
    excluded = {(code, exact_key(alias)) for code, alias in exclude_aliases}
    out = IndexEntries(n_known=np.zeros(len(leaves), dtype=np.float64))

    def kept(code: str, aliases: Iterable[str]) -> list[str]:
        return [a for a in aliases if (code, exact_key(a)) not in excluded]

    for i, occ in enumerate(leaves):
        aliases = kept(occ.code, occ.aliases)
        for text, weight in ((occ.name, cfg.name_weight), *((a, cfg.alias_weight) for a in aliases)):
            out.entries.append((i, text, weight))
            out.exact[exact_key(text)].add(i)
            for part in SEPARATORS.split(nfkc(text)):  # "护士/护理人员" → "护士", "护理人员"
                key = exact_key(part)
                if len(key) >= MIN_PART_KEY:
                    out.exact[key].add(i)
                    out.contain[key].add(i)
                    for variant in role_variants(key):
                        out.variants[variant].add(i)
        out.n_known[i] = len(aliases)
        for alias in kept(occ.code, english.get(occ.code, ())):
            out.entries.append((i, alias, cfg.english_weight))
            out.exact[exact_key(alias)].add(i)
        parent = by_code.get(occ.code[:7] + "-00")
        if cfg.parent_weight > 0 and parent is not None and not parent.is_leaf:
            out.entries.extend((i, t, cfg.parent_weight) for t in (parent.name, *kept(parent.code, parent.aliases)))
    _add_labelled(out, leaves, by_code, cfg, labelled_titles, {key for _, key in excluded})
    return out


def _add_labelled(out: IndexEntries, leaves: Sequence[Occupation], by_code: Mapping[str, Occupation],
                  cfg: NormalizerConfig, labelled_titles: Iterable[tuple[str, str]], excluded: set[str]) -> None:
    """Labelled titles: classifier rows (any known code), and short entries and exact keys (leaf codes)."""
    leaf_pos = {o.code: i for i, o in enumerate(leaves)}
    for title, code in labelled_titles:
        labelled = by_code.get(code)
        parsed = clean_title(title) if labelled is not None else None
        if labelled is None or parsed is None or exact_key(parsed.text) in excluded:
            continue
        if has_content(text := classifier_text(parsed)):
            out.classifier_rows.append((text, labelled))
        pos = leaf_pos.get(code)
        key = exact_key(parsed.text)
        if pos is None or not key:
            continue
        out.entries.append((pos, parsed.text, cfg.labelled_weight))
        out.labelled_exact[key][pos] += 1
        out.n_known[pos] += 1
