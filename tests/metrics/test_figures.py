"""The figures store and the figures: a pure function of the events (and of the served lists)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.matching.metrics.facts import ServedList, ServedMatch
from services.matching.metrics.figures import compute_figures
from services.matching.metrics.filters import BadWindowError, Filters, parse_window
from services.matching.metrics.store import FiguresStore
from shared.events.vocabulary import OpportunityKind
from tests.metrics.scenario import (
    EXPECTED_FUNNEL,
    EXPECTED_SHANGHAI,
    EXPECTED_SUPPLY,
    EXPECTED_TRAINING,
    EXPECTED_VOLUMES,
    SHANGHAI,
    feedback_events,
    opportunity_events,
    profile_events,
)

NOW = datetime.now(UTC)


def served(now: datetime) -> list[ServedList]:
    def recs(talent: int, *matches: tuple[int, float], ago: timedelta = timedelta(minutes=5)) -> ServedList:
        return ServedList(at=now - ago, operation="recommendations", subject_id=talent, cached=False,
                          matches=tuple(ServedMatch(talent, o, s) for o, s in matches))

    shortlist = ServedList(at=now - timedelta(minutes=4), operation="shortlist", subject_id=10, cached=True,
                           matches=(ServedMatch(1, 10, 0.8), ServedMatch(2, 10, 0.4)))
    return [recs(1, (10, 0.8), (11, 0.6)), recs(2, (12, 0.3)), shortlist,
            recs(1, (10, 0.9), ago=timedelta(days=2))]  # outside a 24 h window


def events() -> list[Any]:
    return [*profile_events(), *opportunity_events(), *feedback_events(NOW)]


def store_of(evts: list[Any]) -> FiguresStore:
    store = FiguresStore()
    store.apply(evts)
    for served_list in served(NOW):
        store.record_served(served_list)
    return store


def figures(store: FiguresStore, **filters: Any) -> dict[str, Any]:
    return compute_figures(store.snapshot(), Filters(**filters), now=datetime.now(UTC),
                           coverage_threshold=0.5).model_dump()


def test_figures_equal_what_the_events_imply() -> None:
    result = figures(store_of(events()))
    assert result["volumes"] == {**EXPECTED_VOLUMES, "recommendations_served": 2, "shortlists_served": 1}
    quality = result["quality"]
    assert {k: quality[k] for k in EXPECTED_FUNNEL} == EXPECTED_FUNNEL
    # talent 1 has a match ≥ 0.5, talent 2 (best 0.3) not; median of 0.8, 0.6, 0.3, 0.8, 0.4
    assert quality["coverage"] == 0.5 and quality["talents_served"] == 2
    assert quality["median_score"] == 0.6 and quality["served_matches"] == 5
    training = result["training"]
    assert {k: training[k] for k in EXPECTED_TRAINING} == EXPECTED_TRAINING
    assert [(c["id"], c["enrolled"], c["hires"]) for c in training["per_class"]] == [(11, 1, 1), (12, 1, 0)]
    supply = result["supply_demand"]
    assert supply["talents"] == EXPECTED_SUPPLY["talents"] and supply["positions"] == EXPECTED_SUPPLY["positions"]
    assert supply["by_field"] == EXPECTED_SUPPLY["by_field"]
    assert supply["by_city"] == EXPECTED_SUPPLY["by_city"]
    assert [s["skill"] for s in supply["scarce_skills"]] == EXPECTED_SUPPLY["scarce_skills"]
    assert supply["by_occupation"] == [{"code": "2-02-38-01", "name": supply["by_occupation"][0]["name"],
                                        "field": "人工智能", "opportunities": 2, "positions": 43, "talents": 0,
                                        "talents_in_field": 1}]


def test_replay_in_any_order_with_duplicates_gives_identical_figures() -> None:
    first = figures(store_of(events()))
    shuffled = events() + profile_events() + feedback_events(NOW)  # a second replay on top
    random.Random(7).shuffle(shuffled)
    # within one record the broker keeps version order; across records any interleaving is possible
    by_record = sorted(shuffled, key=lambda e: getattr(e, "record_version", 0))
    assert figures(store_of(by_record)) == first
    assert figures(store_of(events())) == first


def test_older_versions_and_repeated_feedback_change_nothing() -> None:
    store = store_of(events())
    before = figures(store)
    assert store.apply([*profile_events()[:3], *feedback_events(NOW)]) == 0
    assert figures(store) == before


def test_filters_change_the_figures() -> None:
    store = store_of(events())
    shanghai = figures(store, city=SHANGHAI)
    assert shanghai["volumes"]["profiles"] == EXPECTED_SHANGHAI["profiles"]
    assert shanghai["volumes"]["opportunities"] == EXPECTED_SHANGHAI["opportunities"]
    assert shanghai["quality"]["impressions"] == EXPECTED_SHANGHAI["impressions"]
    assert shanghai["quality"]["applied_or_enrolled"] == EXPECTED_SHANGHAI["applied_or_enrolled"]
    assert shanghai["training"]["seats"] == EXPECTED_SHANGHAI["seats"]
    assert shanghai["training"]["enrolled"] == EXPECTED_SHANGHAI["enrolled"]
    # talent 2's list carried opportunity 12 (上海); talent 1's none; the shortlist was for 10 (杭州)
    assert shanghai["volumes"]["recommendations_served"] == 1 and shanghai["volumes"]["shortlists_served"] == 0
    assert shanghai["quality"]["median_score"] == 0.3 and shanghai["quality"]["coverage"] == 0.0

    classes = figures(store, kind=OpportunityKind.TRAINING_CLASS)
    assert classes["volumes"]["opportunities_by_kind"]["job_posting"] == 0
    assert classes["quality"]["impressions"] == 3 and classes["supply_demand"]["positions"] == 60

    field = figures(store, field="区块链")
    assert field["volumes"]["opportunities"] == 1 and field["volumes"]["profiles"] == 0

    occupation = figures(store, occupation="2-02-38-01")  # 人工智能: opportunities 10 and 11, talent 1
    assert occupation["volumes"]["opportunities"] == 2 and occupation["volumes"]["profiles"] == 1

    week = figures(store, window=timedelta(days=7))
    assert week["volumes"]["feedback_events"] == 12 and week["volumes"]["recommendations_served"] == 3
    assert week["quality"]["impressions"] == 6


def test_an_empty_store_has_no_rates() -> None:
    result = figures(FiguresStore())
    assert result["quality"]["click_through_rate"] is None and result["quality"]["coverage"] is None
    assert result["quality"]["median_score"] is None and result["training"]["fill_rate"] is None
    assert result["volumes"]["profiles"] == 0 and result["supply_demand"]["scarce_skills"] == []


@pytest.mark.parametrize(("text", "expected"), [("30m", timedelta(minutes=30)), ("24h", timedelta(hours=24)),
                                                ("7d", timedelta(days=7)), ("2w", timedelta(weeks=2)),
                                                ("all", None)])
def test_windows_parse(text: str, expected: timedelta | None) -> None:
    assert parse_window(text) == expected


@pytest.mark.parametrize("text", ["", "24", "0h", "1y", "401d", "-1h"])
def test_bad_windows_are_refused(text: str) -> None:
    with pytest.raises(BadWindowError):
        parse_window(text)
