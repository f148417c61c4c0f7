"""The posting screen on real postings: how many it flags, by category, and a sample of flags to read.

    python -m bench.eval_screening [--data DIR] [--examples N] [--seed S]

Reads the description files of the shared recruitment data (evaluation only, read at run time, never copied
into the project; see its README) and the titles and tags of the 智联 list pages, screens each posting with
``services.jobs.screening`` and prints the counts per file and category and N random flags with the text
around them, for a person to judge precision.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
from collections import Counter
from pathlib import Path

from services.jobs.screening import Finding, screen

DEFAULT_DATA = Path(os.environ.get("TALENTMATCH_RECRUITMENT_DATA",
                                   Path(__file__).resolve().parents[2] / "shared" / "data" / "recruitment"))
# file → the columns screened as (field name, column); the rest of each row is ignored
FILES: dict[str, tuple[tuple[str, str], ...]] = {
    "postings_with_descriptions.csv": (("title", "title"), ("description", "description")),
    "descriptions_by_field_2018.csv": (("description", "description"),),
    "zhilian_2024_postings.csv": (("title", "title"), ("skills", "skill_tags"), ("requirements", "raw_tags")),
    "lagou_postings_with_categories.csv": (("title", "title"), ("skills", "skill_labels"),
                                           ("requirements", "position_labels")),
}


def _fields(row: dict[str, str], columns: tuple[tuple[str, str], ...]) -> dict[str, str | list[str] | None]:
    fields: dict[str, str | list[str] | None] = {}
    for name, column in columns:
        value = row.get(column) or ""
        fields[name] = value.split("|") if name in ("skills", "requirements") else value
    return fields


def _around(text: str, phrase: str, width: int = 25) -> str:
    at = text.find(phrase)
    return text[max(0, at - width):at + len(phrase) + width].replace("\n", " ")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--examples", type=int, default=40)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    samples: list[tuple[Finding, str]] = []
    for name, columns in FILES.items():
        with (args.data / name).open(encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        flagged = 0
        by_category: Counter[str] = Counter()
        for row in rows:
            fields = _fields(row, columns)
            findings = screen(fields)
            if findings:
                flagged += 1
            for category in {f.category.value for f in findings}:
                by_category[category] += 1
            for finding in findings:
                text = fields[finding.field]
                whole = text if isinstance(text, str) else " | ".join(text or [])
                samples.append((finding, _around(whole, finding.phrase)))
        shares = ", ".join(f"{category} {count}" for category, count in by_category.most_common())
        print(f"{name}: {len(rows)} postings, {flagged} flagged ({flagged / max(len(rows), 1):.1%}); {shares}")
    random.Random(args.seed).shuffle(samples)
    for finding, context in samples[:args.examples]:
        print(f"  [{finding.category.value}] {finding.phrase!r}  …{context}…")


if __name__ == "__main__":
    main()
