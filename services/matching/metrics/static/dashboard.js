// Operator dashboard: fetches /v1/operator/metrics with an operator JWT kept in sessionStorage (this tab only),
// renders figures as text and inline SVG charts, refreshes every few seconds. No external assets.
// The token comes from the URL fragment (#token=…, never sent to a server), ?token= or the paste box, and is
// removed from the address bar at once.
(function () {
  "use strict";

  var TOKEN_KEY = "talentmatch.operatorToken";
  var SVG_NS = "http://www.w3.org/2000/svg";
  var KIND_LABELS = {
    job_posting: "Job postings 岗位",
    training_class: "Training classes 培训班",
    incubator_program: "Incubators 孵化",
    industrial_park: "Industrial parks 园区"
  };
  var MODE_LABELS = { order_based: "订单班 order-based", custom: "订制班 custom", directed: "定向班 directed" };
  var state = { timer: null, loading: false, history: [], options: null };

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
    barChart(byTestId("chart-opportunities-by-kind"), Object.keys(v.opportunities_by_kind).map(function (kind) {
      return { label: KIND_LABELS[kind] || kind, value: v.opportunities_by_kind[kind],
               testid: "fig-opportunities-kind-" + kind, text: fmtCount(v.opportunities_by_kind[kind]) };
    }), { title: "Opportunities by kind" });
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
    barChart(byTestId("chart-funnel"), steps.map(function (step) {
      var share = q.impressions ? q[step[0]] / q.impressions : null;
      return { label: step[1], value: q[step[0]], testid: "fig-funnel-" + step[0],
               text: fmtCount(q[step[0]]) + (share === null ? "" : "  (" + fmtRate(share) + ")") };
    }), { title: "Feedback funnel (distinct talent–opportunity pairs)", color: "c2" });
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
    barChart(byTestId("chart-class-fill"), t.per_class.slice(0, 12).map(function (c) {
      return { label: c.title, value: c.fill_rate || 0, max: 1, testid: "fig-class-fill-" + c.id,
               text: fmtCount(c.enrolled) + " / " + fmtCount(c.seats) + "  " + fmtRate(c.fill_rate) };
    }), { title: "Fill rate per class", color: "c3", max: 1 });
  }

  function renderSupply(s) {
    setFig("fig-supply-talents", s.talents, fmtCount);
    setFig("fig-supply-positions", s.positions, fmtCount);
    pairedChart(byTestId("chart-supply-field"), s.by_field.map(function (row) {
      return { label: row.name, a: row.talents, b: row.positions, testid: "supply-field-" + row.name };
    }), { title: "Talents vs open positions by digital field", a: "talents 人才", b: "positions 岗位/名额" });
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
    state.history.push({ lag: p.lag_total, search: p.search_seconds.p99 || 0 });
    if (state.history.length > 60) { state.history.shift(); }
    lineChart(byTestId("chart-history"), state.history);
  }

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
      row.cells.forEach(function (text) {
        var td = document.createElement("td");
        td.textContent = text;
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
  }

  // --- SVG charts --------------------------------------------------------------------------------------
  function el(tag, attrs, text) {
    var node = document.createElementNS(SVG_NS, tag);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function frame(container, height, title) {
    while (container.firstChild) { container.removeChild(container.firstChild); }
    var svg = el("svg", { viewBox: "0 0 640 " + height, role: "img", "aria-label": title, class: "svg" });
    svg.appendChild(el("text", { x: 0, y: 14, class: "title" }, title));
    container.appendChild(svg);
    return svg;
  }

  function barChart(container, rows, opts) {
    var rowHeight = 26, top = 26;
    var svg = frame(container, top + Math.max(rows.length, 1) * rowHeight + 4, opts.title);
    if (!rows.length) { svg.appendChild(el("text", { x: 0, y: top + 16, class: "muted" }, "no data")); return; }
    var max = opts.max || Math.max.apply(null, rows.map(function (r) { return r.value || 0; }).concat([1]));
    rows.forEach(function (row, i) {
      var y = top + i * rowHeight;
      var width = Math.max(0, Math.min(1, (row.value || 0) / max)) * 300;
      svg.appendChild(el("text", { x: 0, y: y + 16, class: "label" }, truncate(row.label, 22)));
      svg.appendChild(el("rect", { x: 200, y: y + 4, width: 300, height: 16, rx: 3, class: "track" }));
      svg.appendChild(el("rect", { x: 200, y: y + 4, width: width.toFixed(1), height: 16, rx: 3,
                                  class: "bar " + (opts.color || "c1") }));
      svg.appendChild(el("text", { x: 508, y: y + 16, class: "value", "data-testid": row.testid,
                                  "data-value": String(row.value) }, row.text));
    });
  }

  function pairedChart(container, rows, opts) {
    var rowHeight = 34, top = 40;
    var svg = frame(container, top + Math.max(rows.length, 1) * rowHeight + 4, opts.title);
    svg.appendChild(el("rect", { x: 200, y: 22, width: 10, height: 10, class: "bar c1" }));
    svg.appendChild(el("text", { x: 214, y: 31, class: "muted" }, opts.a));
    svg.appendChild(el("rect", { x: 320, y: 22, width: 10, height: 10, class: "bar c2" }));
    svg.appendChild(el("text", { x: 334, y: 31, class: "muted" }, opts.b));
    if (!rows.length) { svg.appendChild(el("text", { x: 0, y: top + 16, class: "muted" }, "no data")); return; }
    var max = Math.max.apply(null, rows.map(function (r) { return Math.max(r.a, r.b); }).concat([1]));
    rows.forEach(function (row, i) {
      var y = top + i * rowHeight;
      var group = el("g", { "data-testid": row.testid, "data-talents": String(row.a), "data-positions": String(row.b) });
      group.appendChild(el("text", { x: 0, y: y + 18, class: "label" }, truncate(row.label, 22)));
      group.appendChild(el("rect", { x: 200, y: y + 2, width: (row.a / max * 330).toFixed(1), height: 12, rx: 2, class: "bar c1" }));
      group.appendChild(el("rect", { x: 200, y: y + 16, width: (row.b / max * 330).toFixed(1), height: 12, rx: 2, class: "bar c2" }));
      group.appendChild(el("text", { x: 540, y: y + 12, class: "value" }, fmtCount(row.a)));
      group.appendChild(el("text", { x: 540, y: y + 26, class: "value" }, fmtCount(row.b)));
      svg.appendChild(group);
    });
  }

  function lineChart(container, points) {
    var height = 120, left = 40, width = 580;
    var svg = frame(container, height, "Consumer lag and search p99 (ms) over the last refreshes");
    var series = [["lag", "c1", function (p) { return p.lag; }], ["search", "c2", function (p) { return p.search * 1000; }]];
    series.forEach(function (s, index) {
      var values = points.map(s[2]);
      var max = Math.max.apply(null, values.concat([1]));
      var coords = values.map(function (v, i) {
        var x = left + (values.length > 1 ? i / (values.length - 1) : 1) * width;
        return x.toFixed(1) + "," + (height - 10 - v / max * (height - 56)).toFixed(1);
      });
      svg.appendChild(el("polyline", { points: coords.join(" "), class: "line " + s[1] }));
      coords.slice(-1).forEach(function (xy) {
        var at = xy.split(",");
        svg.appendChild(el("circle", { cx: at[0], cy: at[1], r: 3, class: "dot " + s[1] }));
      });
      svg.appendChild(el("text", { x: left + index * 160, y: 30, class: "muted" },
                         s[0] === "lag" ? "lag (max " + fmtCount(max) + ")" : "search p99 (max " + max.toFixed(1) + " ms)"));
    });
  }

  function truncate(text, size) { return text.length > size ? text.slice(0, size - 1) + "…" : text; }

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
