"""The dashboard in headless Chromium, served by a real matching server after real events flowed:
it signs in with an operator JWT only, shows the numbers the events imply, a filter changes them, it
refreshes on its own."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.matching.domain.encoders import HybridEncoder
from services.matching.domain.occupations import OccupationNormalizer
from services.matching.main import create_app
from services.matching.settings import MatchingSettings
from tests.metrics.market import Served, Tokens, load_market
from tests.metrics.server import serve

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


def chromium_path() -> str | None:
    candidates = [os.environ.get("CHROMIUM_PATH", ""), "/usr/bin/chromium", shutil.which("chromium") or "",
                  shutil.which("chromium-browser") or ""]
    return next((c for c in candidates if c and Path(c).is_file()), None)


# The dashboard's formatting rules (dashboard.js): counts as integers, rates as percentages.
def rate(value: float) -> str:
    return f"{value * 100:.1f}%"


CHART_OPTION = """(testid) => {
  const chart = echarts.getInstanceByDom(document.querySelector(`[data-testid="${testid}"]`));
  const option = chart.getOption();
  return {width: chart.getWidth(), labels: option.yAxis[0].data || null, legend: (option.legend[0] || {}).data || null,
          series: option.series.map((s) => ({name: s.name, data: s.data})), zoom: option.dataZoom.map((z) => z.type)};
}"""


SHOW_FIRST_TIP = """(testid) => echarts.getInstanceByDom(document.querySelector(`[data-testid="${testid}"]`))
  .dispatchAction({type: "showTip", seriesIndex: 0, dataIndex: 0})"""


def chart(page: Any, testid: str) -> dict[str, Any]:
    """What the ECharts instance drawn into ``testid`` holds: size, categories, legend, series, zoom types."""
    option: dict[str, Any] = page.evaluate(CHART_OPTION, testid)
    return option


def bare(headers: dict[str, str]) -> str:
    """The token of an ``Authorization: Bearer`` header."""
    return headers["Authorization"].removeprefix("Bearer ")


@pytest.fixture
def served_dashboard(occupation_normalizer: OccupationNormalizer,
                     settings: MatchingSettings, hybrid_encoder: HybridEncoder, bootstrap: str,
                     topics: dict[str, str], tokens: Tokens) -> Iterator[tuple[str, Served]]:
    with serve(create_app(settings, encoder=hybrid_encoder, normalizer=occupation_normalizer)) as base, \
            httpx.Client(base_url=base, timeout=15) as http:
        served = load_market(http, bootstrap, topics, tokens)
        yield base, served


def test_dashboard_shows_the_figures_and_follows_the_filters(served_dashboard: tuple[str, Served],
                                                             tokens: Tokens) -> None:
    executable = chromium_path()
    if executable is None:
        message = "no Chromium found (/usr/bin/chromium or CHROMIUM_PATH): apt-get install chromium chromium-driver"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)  # in CI the browser tests must run, never skip
        pytest.skip(message)
    from playwright.sync_api import expect, sync_playwright

    base, served = served_dashboard
    operator_token = bare(tokens("operator", "op-browser"))
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1360, "height": 900})
            # a script error or a Content-Security-Policy refusal, e.g. of an inline style (the refused tokens'
            # 401/403 and the absent favicon's 404 are logged as failed loads: those are expected)
            errors: list[str] = []
            page.on("console", lambda message: errors.append(message.text) if message.type == "error"
                    and not message.text.startswith("Failed to load resource") else None)
            page.on("pageerror", lambda error: errors.append(str(error)))
            foreign: list[str] = []
            page.on("request", lambda request: foreign.append(request.url)
                    if not request.url.startswith(base) else None)

            response = page.goto(f"{base}/operator/dashboard")  # the page itself holds no data
            assert response is not None and response.status == 200
            expect(page.get_by_test_id("login")).to_be_visible()
            expect(page.get_by_test_id("fig-profiles")).to_be_hidden()
            page.get_by_test_id("token-input").fill("not-a-token")
            page.get_by_test_id("login-submit").click()
            expect(page.get_by_test_id("login-error")).to_have_text("The token was refused.")
            page.get_by_test_id("token-input").fill(bare(tokens("seeker", "seeker-1")))  # valid, but no operator
            page.get_by_test_id("login-submit").click()
            expect(page.get_by_test_id("login-error")).to_have_text("This is not an operator token.")
            page.get_by_test_id("token-input").fill(operator_token)  # pasted
            page.get_by_test_id("login-submit").click()

            figure = page.get_by_test_id
            expect(figure("fig-profiles")).to_have_text("3")
            shown = {
                "fig-opportunities": "5", "fig-open-opportunities": "4", "fig-recommendations-served": "2",
                "fig-shortlists-served": "1", "fig-feedback-events": "11", "fig-opportunities-kind-job_posting": "2",
                "fig-opportunities-kind-training_class": "2", "fig-click-through-rate": "20.0%",
                "fig-apply-rate": "60.0%", "fig-hire-rate": "20.0%", "fig-precision-at-5": "58.3%",
                "fig-coverage": rate(served.coverage(0.5)), "fig-median-score": f"{served.median():.3f}",
                "fig-training-seats": "60", "fig-training-enrolled": "2", "fig-training-fill-rate": "3.3%",
                "fig-order-based-hires": "1", "fig-order-based-committed": "30", "fig-supply-talents": "2",
                "fig-supply-positions": "64", "fig-lag-total": "0", "fig-dead-lettered": "0",
            }
            for testid, text in shown.items():
                expect(figure(testid)).to_have_text(text)
            for testid in ("fig-freshness-p50", "fig-embedding-p50", "fig-search-p50"):  # measured, in ms or s
                expect(figure(testid)).to_have_text(re.compile(r"^\d+\.\d (ms|s)$|^\d+\.\d\d s$"))
            expect(figure("supply-field-人工智能")).to_have_attribute("data-positions", "43")
            expect(figure("supply-city-上海市")).to_contain_text("21")
            expect(figure("supply-province-浙江省")).to_have_attribute("data-positions", "43")  # 杭州市
            expect(figure("supply-province-上海市")).to_contain_text("21")

            # the charts are ECharts instances holding the same numbers as the events imply
            kinds = chart(page, "chart-opportunities-by-kind")
            by_kind = dict(zip(kinds["labels"], kinds["series"][0]["data"], strict=True))
            assert by_kind["Job postings 岗位"] == 2 and by_kind["Training classes 培训班"] == 2
            assert sum(by_kind.values()) == 5
            fields = chart(page, "chart-supply-field")
            assert fields["legend"] == ["talents 人才", "positions 岗位/名额"]
            assert [s["data"] for s in fields["series"]] == [[1, 1, 1, 0], [43, 20, 3, 1]]
            assert fields["labels"] == ["人工智能", "软件开发", "大数据", "区块链"]
            provinces = chart(page, "chart-supply-province")  # ranked by positions
            assert provinces["labels"] == ["浙江省", "上海市"]
            assert [s["data"] for s in provinces["series"]] == [[1, 1], [43, 21]]
            funnel = chart(page, "chart-funnel")
            assert str(funnel["series"][0]["data"][0]) == figure("fig-funnel-impressions").get_attribute("data-value")
            history = chart(page, "chart-history")
            assert history["zoom"] == ["inside", "slider"] and len(history["series"][0]["data"]) >= 1
            page.evaluate(SHOW_FIRST_TIP, "chart-opportunities-by-kind")
            expect(page.locator(".chart-tip").first).to_contain_text(kinds["labels"][0])
            page.screenshot(path=str(SCREENSHOTS / "operator-dashboard.png"), full_page=True)
            page.set_viewport_size({"width": 640, "height": 900})  # the charts follow a narrow window
            page.wait_for_function("""() => echarts.getInstanceByDom(
                document.querySelector('[data-testid="chart-supply-field"]')).getWidth() < 640""")
            page.set_viewport_size({"width": 1360, "height": 900})

            page.get_by_test_id("filter-city").select_option("上海市")
            expect(figure("fig-profiles")).to_have_text("1")
            expect(figure("fig-opportunities")).to_have_text("2")
            expect(figure("fig-recommendations-served")).to_have_text(str(served.recommendations_in("上海市")))
            expect(figure("fig-shortlists-served")).to_have_text("0")  # opportunity 10 is in 杭州市
            expect(figure("fig-feedback-events")).to_have_text("3")
            expect(figure("fig-training-seats")).to_have_text("20")

            page.get_by_test_id("filter-refresh").select_option("3")  # auto-refresh picks up new feedback
            posted = httpx.post(f"{base}/v1/feedback", json={"talent_id": 2, "opportunity_id": 12,
                                                              "action": "clicked", "actor_role": "seeker",
                                                              "position": 1}, headers=tokens("seeker", "seeker-2"))
            assert posted.status_code == 202
            expect(figure("fig-feedback-events")).to_have_text("4", timeout=15_000)
            page.screenshot(path=str(SCREENSHOTS / "operator-dashboard-shanghai.png"), full_page=True)

            linked = browser.new_page()  # #token= is taken once, kept in sessionStorage, removed from the URL
            linked.goto(f"{base}/operator/dashboard#token={operator_token}")
            expect(linked.get_by_test_id("fig-profiles")).to_have_text("3")
            assert "token" not in linked.url
            linked.reload()  # the tab keeps its token
            expect(linked.get_by_test_id("fig-profiles")).to_have_text("3")
            queried = browser.new_page()  # so is ?token=, as `talentmatch up` may print it
            queried.goto(f"{base}/operator/dashboard?token={operator_token}")
            expect(queried.get_by_test_id("fig-profiles")).to_have_text("3")
            assert "token" not in queried.url
            assert foreign == [], f"the dashboard reached outside its server: {foreign}"
            assert errors == [], f"errors in the page: {errors}"
        finally:
            browser.close()
