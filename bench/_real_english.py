"""Per-seeker detail of the English set for ``bench.eval_real --per-seeker``: which channel fails whom.

For each English seeker: its category and city, precision@10 of the dense channel alone, the lexical
channel alone and the shipped ranking, and what the shipped top 10 holds (categories, share in town), so
a failure can be read as a channel's fault, the pool's (a thin category) or the labels' (the same title
filed under several categories).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from bench._real_data import Posting, Seeker, score_lists


def per_seeker_table(lists: dict[str, list[list[int]]], seekers: Sequence[Seeker], pool: Sequence[Posting], *,
                     dense: str, lexical: str, shipped: str) -> str:
    """One line per seeker (``lists`` hold pool indices per seeker, best first, for the named rows)."""
    scores = {name: score_lists(lists[name], seekers, pool).precision for name in (dense, lexical, shipped)}
    in_pool = Counter(p.cat_l2 for p in pool)
    lines = [f"{'#':>3} {'category':<10} {'pool':>4} {'dense':>5} {'lex':>5} {'ship':>5} {'in city':>7}  "
             f"{'headline':<52} shipped top 10 by category"]
    for q, seeker in enumerate(seekers):
        top = lists[shipped][q]
        held = Counter(pool[i].cat_l2 for i in top)
        in_city = sum(pool[i].city == seeker.city for i in top)
        lines.append(f"{q:>3} {seeker.cat_l2:<10} {in_pool[seeker.cat_l2]:>4} {scores[dense][q]:>5.2f} "
                     f"{scores[lexical][q]:>5.2f} {scores[shipped][q]:>5.2f} {in_city:>4}/{len(top):<2}  "
                     f"{seeker.headline[:52]:<52} " + " ".join(f"{c}×{n}" for c, n in held.most_common(3)))
    return "\n".join(lines)
