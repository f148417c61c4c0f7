// Operator dashboard: fetches /v1/operator/metrics with an operator JWT kept in sessionStorage (this tab only),
// renders figures as text, charts (charts.js, Apache ECharts vendored under vendor/) each with a data table
// beside it, and refreshes every few seconds. No external assets.
// The token comes from the URL fragment (#token=…, never sent to a server), ?token= or the paste box, and is
// removed from the address bar at once.
(function () {
  "use strict";

  var TOKEN_KEY = "talentmatch.operatorToken";
  var HISTORY_POINTS = 720;  // refreshes kept for the time series: an hour at 5 s
  var KIND_LABELS = {
    job_posting: "Job postings 岗位",
    training_class: "Training classes 培训班",
    incubator_program: "Incubators 孵化",
    industrial_park: "Industrial parks 园区"
  };
  var MODE_LABELS = { order_based: "订单班 order-based", custom: "订制班 custom", directed: "定向班 directed" };
  var state = { timer: null, loading: false, history: [], options: null };
  var charts = window.DashboardCharts;

  function $(selector) { return document.querySelector(selector); }
  function byTestId(id) { return document.querySelector('[data-testid="' + id + '"]'); }

  // --- formatting (the browser test mirrors these rules) ---------------------------------------
  function fmtCount(v) { return v === null || v === undefined ? "—" : Number(v).toLocaleString("en-US"); }
  function fmtRate(v) { return v === null || v === undefined ? "—" : (v * 100).toFixed(1) + "%"; }
  function fmtScore(v) { return v === null || v === undefined ? "—" : Number(v).toFixed(3); }
  function fmtSeconds(v) {
    if (v === null || v === undefined) { return "—"; }
    return v < 1 ? (v * 1000).toFixed(1) + " ms" : v.toFixed(2) + " s";
  }

  function setFig(id, value, format) {
    var el = byTestId(id);
    if (!el) { return; }
    el.textContent = format(value);
    el.setAttribute("data-value", value === null || value === undefined ? "" : String(value));
  }

  // --- token handling ----------------------------------------------------------------------------
  function token() { return sessionStorage.getItem(TOKEN_KEY); }

  function adoptUrlToken() {
    var params = new URLSearchParams(window.location.search);
    var fragment = new URLSearchParams(window.location.hash.replace(/^#/, ""));
    var given = fragment.get("token") || params.get("token");
    if (!given) { return; }
    sessionStorage.setItem(TOKEN_KEY, given.trim());
    params.delete("token");
    var rest = params.toString();
    history.replaceState(null, "", window.location.pathname + (rest ? "?" + rest : ""));
  }

  function showLogin(message) {
    stopTimer();
    $("#board").hidden = true;
    $("#logout").hidden = true;
    $("#login").hidden = false;
    var error = byTestId("login-error");
    error.hidden = !message;
    error.textContent = message || "";
    $("#token").focus();
  }

  function showBoard() {
    $("#login").hidden = true;
    $("#board").hidden = false;
    $("#logout").hidden = false;
  }

  // --- fetching ------------------------------------------------------------------------------------
  function query() {
    var form = $("#filters");
    var params = new URLSearchParams();
    ["window", "field", "city", "kind", "occupation"].forEach(function (name) {
      var value = form.elements[name].value;
      if (value) { params.set(name, value); }
    });
    return params.toString();
  }

  function load() {
    if (state.loading || !token()) { return; }
    state.loading = true;
    fetch("/v1/operator/metrics?" + query(), {
      headers: { Authorization: "Bearer " + token(), Accept: "application/json" },
      cache: "no-store"
    }).then(function (response) {
      if (response.status === 401 || response.status === 403) {
        sessionStorage.removeItem(TOKEN_KEY);
        showLogin(response.status === 401 ? "The token was refused." : "This is not an operator token.");
        return null;
      }
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.json();
    }).then(function (data) {
      if (data) {
        showBoard();
        render(data);
        byTestId("load-error").hidden = true;
      }
    }).catch(function (error) {
      var el = byTestId("load-error");
      el.hidden = false;
      el.textContent = "Could not load the figures: " + error.message;
    }).then(function () { state.loading = false; });
  }

  function stopTimer() {
    if (state.timer !== null) { clearInterval(state.timer); state.timer = null; }
  }

  function schedule() {
    stopTimer();
    var seconds = Number($("#filters").elements.refresh.value);
    byTestId("refresh-state").textContent = seconds ? "auto-refresh every " + seconds + " s" : "auto-refresh off";
    if (seconds) { state.timer = setInterval(load, seconds * 1000); }
  }

  // --- rendering -------------------------------------------------------------------------------------
  function fillSelect(name, values, labels) {
    var select = $("#filters").elements[name];
    var current = select.value;
    var wanted = [""].concat(values);
    var have = Array.prototype.map.call(select.options, function (o) { return o.value; });
    if (have.join("\u0001") === wanted.join("\u0001")) { return; }
    while (select.options.length > 1) { select.remove(1); }
    values.forEach(function (value) {
      var option = document.createElement("option");
      option.value = value;
      option.textContent = labels && labels[value] ? labels[value] : value;
      select.appendChild(option);
    });
    select.value = wanted.indexOf(current) >= 0 ? current : "";
  }

  function render(data) {
    fillSelect("field", data.options.fields);
    fillSelect("city", data.options.cities);
    fillSelect("occupation", data.options.occupations);
    var consumer = data.pipeline.consumer;
    var pill = byTestId("consumer-state");
    pill.textContent = consumer.running ? (consumer.caught_up ? "consumer caught up" : "consumer catching up")
      : "consumer stopped";
    pill.className = "pill " + (consumer.running && consumer.caught_up ? "ok" : "warn");
    byTestId("generated-at").textContent = "updated " + new Date(data.generated_at).toLocaleTimeString();
    renderVolumes(data.volumes);
    renderQuality(data.quality);
    renderTraining(data.training);
    renderSupply(data.supply_demand);
    renderPipeline(data.pipeline);
  }

  function renderVolumes(v) {
    setFig("fig-profiles", v.profiles, fmtCount);
    setFig("fig-profiles-open", v.profiles_open_to_work, fmtCount);
    setFig("fig-new-profiles", v.new_profiles, fmtCount);
    setFig("fig-opportunities", v.opportunities, fmtCount);
    setFig("fig-open-opportunities", v.open_opportunities, fmtCount);
    setFig("fig-new-opportunities", v.new_opportunities, fmtCount);
    setFig("fig-recommendations-served", v.recommendations_served, fmtCount);
    setFig("fig-shortlists-served", v.shortlists_served, fmtCount);
    setFig("fig-feedback-events", v.feedback_events, fmtCount);
    var kinds = Object.keys(v.opportunities_by_kind).map(function (kind) {
      return { label: KIND_LABELS[kind] || kind, value: v.opportunities_by_kind[kind], key: kind,
               text: fmtCount(v.opportunities_by_kind[kind]) };
    });
    charts.bars(byTestId("chart-opportunities-by-kind"), kinds,
                { title: "Opportunities by kind 机会类型", series: "opportunities", color: "c1" });
    fillTable("data-opportunities-by-kind", kinds.map(function (row) {
      return { testid: "kind-" + row.key, cells: [row.label, valueCell("fig-opportunities-kind-" + row.key, row.value,
                                                                        row.text)] };
    }));
  }

  function renderQuality(q) {
    setFig("fig-click-through-rate", q.click_through_rate, fmtRate);
    setFig("fig-apply-rate", q.apply_rate, fmtRate);
    setFig("fig-hire-rate", q.hire_rate, fmtRate);
    setFig("fig-precision-at-5", q.precision_at_k["5"], fmtRate);
    setFig("fig-precision-at-10", q.precision_at_k["10"], fmtRate);
    setFig("fig-coverage", q.coverage, fmtRate);
    setFig("fig-coverage-threshold", q.coverage_threshold, fmtScore);
    setFig("fig-talents-served", q.talents_served, fmtCount);
    setFig("fig-median-score", q.median_score, fmtScore);
    var steps = [["impressions", "Impressions 曝光"], ["clicked", "Clicked 点击"],
                 ["applied_or_enrolled", "Applied/enrolled 投递报名"], ["interviewed", "Interviewed 面试"],
                 ["hired", "Hired 录用"], ["dismissed", "Dismissed 忽略"]];
    var funnel = steps.map(function (step) {
      var share = q.impressions ? q[step[0]] / q.impressions : null;
      return { label: step[1], value: q[step[0]], key: step[0],
               text: fmtCount(q[step[0]]) + (share === null ? "" : "  (" + fmtRate(share) + ")") };
    });
    charts.bars(byTestId("chart-funnel"), funnel,
                { title: "Feedback funnel (distinct talent–opportunity pairs)", series: "pairs", color: "c2" });
    fillTable("data-funnel", funnel.map(function (row) {
      return { testid: "funnel-" + row.key, cells: [row.label, valueCell("fig-funnel-" + row.key, row.value, row.text)] };
    }));
  }

  function renderTraining(t) {
    setFig("fig-training-classes", t.classes, fmtCount);
    setFig("fig-training-seats", t.seats, fmtCount);
    setFig("fig-training-enrolled", t.enrolled, fmtCount);
    setFig("fig-training-enrolments-window", t.enrolments_in_window, fmtCount);
    setFig("fig-training-fill-rate", t.fill_rate, fmtRate);
    setFig("fig-order-based-hires", t.order_based_hires, fmtCount);
    setFig("fig-order-based-committed", t.order_based_committed_hires, fmtCount);
    fillTable("table-training-modes", Object.keys(t.by_mode).map(function (mode) {
      var m = t.by_mode[mode];
      return { testid: "mode-" + mode, cells: [MODE_LABELS[mode] || mode, fmtCount(m.classes), fmtCount(m.seats),
                                               fmtCount(m.enrolled), fmtRate(m.fill_rate)] };
    }));
    var fills = t.per_class.slice(0, 12).map(function (c) {
      return { label: c.title, value: c.fill_rate || 0, id: c.id,
               text: fmtCount(c.enrolled) + " / " + fmtCount(c.seats) + "  " + fmtRate(c.fill_rate) };
    });
    charts.bars(byTestId("chart-class-fill"), fills,
                { title: "Fill rate per class 班级满额率", series: "enrolled / seats", color: "c3", max: 1, percent: true });
    fillTable("data-class-fill", fills.map(function (row) {
      return { testid: "class-" + row.id, cells: [row.label, valueCell("fig-class-fill-" + row.id, row.value, row.text)] };
    }));
  }

  function renderSupply(s) {
    setFig("fig-supply-talents", s.talents, fmtCount);
    setFig("fig-supply-positions", s.positions, fmtCount);
    supplyChart("field", s.by_field, "Talents vs open positions by digital field 数字领域");
    supplyChart("province", s.by_province, "Talents vs open positions by province, ranked by positions 省份");
    fillTable("table-supply-city", s.by_city.map(function (row) {
      return { testid: "supply-city-" + row.name, cells: [row.name, fmtCount(row.talents), fmtCount(row.positions),
                                                            row.talents_per_position === null ? "—" : row.talents_per_position.toFixed(2)] };
    }));
    fillTable("table-scarce-skills", s.scarce_skills.map(function (row) {
      return { testid: "scarce-skill-" + row.skill, cells: [row.label, row.field || "—", fmtCount(row.demand),
                                                              fmtCount(row.supply)] };
    }));
    fillTable("table-supply-occupation", s.by_occupation.map(function (row) {
      return { testid: "supply-occupation-" + row.code, cells: [row.code + " " + row.name, row.field || "—",
                                                                  fmtCount(row.opportunities), fmtCount(row.positions),
                                                                  fmtCount(row.talents),
                                                                  row.talents_in_field === null ? "—" : fmtCount(row.talents_in_field)] };
    }));
  }

  function renderPipeline(p) {
    setFig("fig-lag-total", p.lag_total, fmtCount);
    byTestId("fig-lag-topics").textContent = Object.keys(p.lag).map(function (topic) {
      return topic.split(".").pop() + " " + fmtCount(p.lag[topic]);
    }).join(" · ");
    setFig("fig-freshness-p50", p.freshness_seconds.p50, fmtSeconds);
    setFig("fig-freshness-p99", p.freshness_seconds.p99, fmtSeconds);
    setFig("fig-dead-lettered", p.dead_lettered, fmtCount);
    setFig("fig-cache-hit-ratio", p.cache.hit_ratio, fmtRate);
    setFig("fig-embedding-p50", p.embedding_seconds.p50, fmtSeconds);
    setFig("fig-embedding-p99", p.embedding_seconds.p99, fmtSeconds);
    setFig("fig-search-p50", p.search_seconds.p50, fmtSeconds);
    setFig("fig-search-p99", p.search_seconds.p99, fmtSeconds);
    state.history.push({ at: Date.now(), lag: p.lag_total, searchMs: (p.search_seconds.p99 || 0) * 1000 });
    if (state.history.length > HISTORY_POINTS) { state.history.shift(); }
    charts.timeline(byTestId("chart-history"), state.history);
  }

  // Supply against demand for one grouping (field or province): a ranked chart, and a heat table whose
  // talents-per-position cells are shaded from scarce (few talents for each position) to plentiful.
  function supplyChart(group, rows, title) {
    var ratio = function (row) {
      return row.talents_per_position === null ? "—" : row.talents_per_position.toFixed(2);
    };
    charts.paired(byTestId("chart-supply-" + group), rows.map(function (row) {
      return { label: row.name, a: row.talents, b: row.positions, note: "talents per position " + ratio(row) };
    }), { title: title, a: "talents 人才", b: "positions 岗位/名额" });
    fillTable("data-supply-" + group, rows.map(function (row) {
      return { testid: "supply-" + group + "-" + row.name, cells: [row.name, fmtCount(row.talents), fmtCount(row.positions),
                                                                    { text: ratio(row), heat: heat(row.talents_per_position) }],
               attrs: { "data-talents": row.talents, "data-positions": row.positions } };
    }));
  }

  function heat(value) {
    if (value === null) { return "heat-none"; }
    return value < 0.5 ? "heat-scarce" : value < 1 ? "heat-tight" : value < 2 ? "heat-balanced" : "heat-plenty";
  }

  function valueCell(testid, value, text) { return { text: text, testid: testid, value: value }; }

  function fillTable(testid, rows) {
    var body = byTestId(testid).querySelector("tbody");
    while (body.firstChild) { body.removeChild(body.firstChild); }
    if (!rows.length) {
      var empty = document.createElement("tr");
      var cell = document.createElement("td");
      cell.colSpan = byTestId(testid).querySelectorAll("th").length;
      cell.className = "empty";
      cell.textContent = "no data for these filters";
      empty.appendChild(cell);
      body.appendChild(empty);
      return;
    }
    rows.forEach(function (row) {
      var tr = document.createElement("tr");
      tr.setAttribute("data-testid", row.testid);
      Object.keys(row.attrs || {}).forEach(function (name) { tr.setAttribute(name, String(row.attrs[name])); });
      row.cells.forEach(function (cell) {
        var td = document.createElement("td");
        var spec = typeof cell === "string" ? { text: cell } : cell;
        td.textContent = spec.text;
        if (spec.testid) { td.setAttribute("data-testid", spec.testid); }
        if (spec.value !== undefined) { td.setAttribute("data-value", String(spec.value)); }
        if (spec.heat) { td.className = "heat " + spec.heat; }
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
  }

  // --- wiring ------------------------------------------------------------------------------------------
  document.addEventListener("DOMContentLoaded", function () {
    adoptUrlToken();
    $("#login-form").addEventListener("submit", function (event) {
      event.preventDefault();
      sessionStorage.setItem(TOKEN_KEY, $("#token").value.trim());
      $("#token").value = "";
      load();
      schedule();
    });
    $("#logout").addEventListener("click", function () {
      sessionStorage.removeItem(TOKEN_KEY);
      showLogin("");
    });
    $("#filters").addEventListener("change", function (event) {
      if (event.target.name === "refresh") { schedule(); } else { state.history = []; load(); }
    });
    if (token()) { load(); schedule(); } else { showLogin(""); }
  });
})();
