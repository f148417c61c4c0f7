// The operator dashboard's charts, drawn with the vendored Apache ECharts (vendor/echarts.min.js, served by
// matching; no CDN). Every bar chart sits next to a data table with the same numbers (dashboard.js fills it) for
// screen readers and copying; the canvas itself is labelled for assistive technology by ECharts' aria module.
// Tooltips carry no inline style attributes: the Content-Security-Policy allows this origin's stylesheet only.
(function () {
  "use strict";

  var COLORS = { c1: "#2f6fde", c2: "#e0773a", c3: "#1f9d74" };
  var INK = "#1d2433", MUTED = "#6b7488", TRACK = "#eef1f6";
  var FONT = 'system-ui, -apple-system, "Segoe UI", "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif';
  var ROW = 30;  // px per category on the horizontal bar charts
  var LABELS = 170;  // px for their category labels (longer ones are cut with an ellipsis; the tooltip has all)

  // Charts follow their container's size (the layout is fluid): one observer for all of them.
  var observer = typeof ResizeObserver === "function" ? new ResizeObserver(function (entries) {
    entries.forEach(function (entry) {
      var chart = echarts.getInstanceByDom(entry.target);
      if (chart) { chart.resize(); }
    });
  }) : null;

  function instance(host, height) {
    if (height) { host.style.height = height + "px"; }
    var chart = echarts.getInstanceByDom(host);
    if (!chart) {
      chart = echarts.init(host, null, { renderer: "canvas" });
      if (observer) { observer.observe(host); } else { window.addEventListener("resize", function () { chart.resize(); }); }
    }
    return chart;
  }

  function esc(text) { return echarts.format.encodeHTML(String(text)); }
  function pct(value) { return Math.round(value * 100) + "%"; }
  function tipTitle(text) { return '<div class="tip-title">' + esc(text) + "</div>"; }
  function tipLine(color, name, text) {
    return '<div class="tip-line"><span class="tip-dot ' + color + '"></span>' + esc(name) + " <b>" + esc(text) + "</b></div>";
  }

  function base(title, empty) {
    return {
      aria: { enabled: true },
      animationDuration: 300,
      textStyle: { fontFamily: FONT, color: INK },
      title: { text: title, subtext: empty ? "no data for these filters" : "", left: 0, top: 0,
               textStyle: { fontSize: 13, fontWeight: 600, color: INK }, subtextStyle: { color: MUTED } },
      tooltip: { trigger: "axis", confine: true, className: "chart-tip", axisPointer: { type: "shadow" } }
    };
  }

  function categoryAxis(labels) {
    return { type: "category", inverse: true, data: labels, axisTick: { show: false },
             axisLabel: { width: LABELS - 10, overflow: "truncate", color: INK } };
  }

  // rows: [{label, value, text}]; opts: {title, series, color, max, percent}
  function bars(host, rows, opts) {
    var chart = instance(host, 56 + Math.max(rows.length, 1) * ROW);
    var option = base(opts.title, !rows.length);
    option.tooltip.formatter = function (params) {
      var row = rows[params[0].dataIndex];
      return tipTitle(row.label) + tipLine(opts.color, opts.series, row.text);
    };
    option.grid = { left: LABELS, right: 150, top: 34, bottom: 24 };
    option.xAxis = { type: "value", max: opts.max, minInterval: opts.percent ? 0 : 1,
                     axisLabel: { formatter: opts.percent ? pct : null, color: MUTED },
                     splitLine: { lineStyle: { color: TRACK } } };
    option.yAxis = categoryAxis(rows.map(function (r) { return r.label; }));
    option.series = [{
      type: "bar", name: opts.series, barMaxWidth: 18, showBackground: true, backgroundStyle: { color: TRACK },
      itemStyle: { color: COLORS[opts.color], borderRadius: [0, 3, 3, 0] },
      data: rows.map(function (r) { return r.value; }),
      label: { show: true, position: "right", color: INK, formatter: function (p) { return rows[p.dataIndex].text; } }
    }];
    chart.setOption(option, { notMerge: true });
    return chart;
  }

  // rows: [{label, a, b, note}], ranked as given; opts: {title, a, b} (the two series' names)
  function paired(host, rows, opts) {
    var chart = instance(host, 76 + Math.max(rows.length, 1) * (ROW + 10));
    var option = base(opts.title, !rows.length);
    option.legend = { top: 22, left: 0, data: [opts.a, opts.b], textStyle: { color: MUTED } };
    option.tooltip.formatter = function (params) {
      var row = rows[params[0].dataIndex];
      return tipTitle(row.label) + tipLine("c1", opts.a, row.a) + tipLine("c2", opts.b, row.b) +
        (row.note ? '<div class="tip-note">' + esc(row.note) + "</div>" : "");
    };
    option.grid = { left: LABELS, right: 56, top: 52, bottom: 24 };
    option.xAxis = { type: "value", minInterval: 1, axisLabel: { color: MUTED }, splitLine: { lineStyle: { color: TRACK } } };
    option.yAxis = categoryAxis(rows.map(function (r) { return r.label; }));
    option.series = [["a", "c1"], ["b", "c2"]].map(function (pair) {
      return { type: "bar", name: opts[pair[0]], barMaxWidth: 14, itemStyle: { color: COLORS[pair[1]] },
               label: { show: true, position: "right", color: INK },
               data: rows.map(function (r) { return r[pair[0]]; }) };
    });
    chart.setOption(option, { notMerge: true });
    return chart;
  }

  // points: [{at (ms since the epoch), lag, searchMs}]; zoom and pan with the wheel or the slider. The zoom an
  // operator chose survives refreshes: later calls replace the data only.
  function timeline(host, points) {
    var chart = echarts.getInstanceByDom(host) ? instance(host) : null;
    var series = [
      { id: "lag", name: "consumer lag 积压", type: "line", showSymbol: points.length < 30, yAxisIndex: 0,
        itemStyle: { color: COLORS.c1 }, data: points.map(function (p) { return [p.at, p.lag]; }) },
      { id: "search", name: "search p99 (ms)", type: "line", showSymbol: points.length < 30, yAxisIndex: 1,
        itemStyle: { color: COLORS.c2 }, data: points.map(function (p) { return [p.at, p.searchMs]; }) }
    ];
    if (chart) {
      chart.setOption({ series: series });
      return chart;
    }
    chart = instance(host, 280);
    var option = base("Consumer lag and search p99 over the refreshes", false);
    option.tooltip = { trigger: "axis", confine: true, className: "chart-tip", formatter: function (params) {
      var at = new Date(params[0].value[0]).toLocaleTimeString();
      return tipTitle(at) + params.map(function (p) {
        var value = p.seriesId === "search" ? Number(p.value[1]).toFixed(1) + " ms" : String(p.value[1]);
        return tipLine(p.seriesId === "search" ? "c2" : "c1", p.seriesName, value);
      }).join("");
    } };
    option.legend = { top: 22, left: 0, textStyle: { color: MUTED } };
    option.grid = { left: 56, right: 56, top: 76, bottom: 48 };
    // at least a minute wide: the first refreshes would otherwise spread over a day of empty axis
    option.xAxis = { type: "time", axisLabel: { color: MUTED }, splitLine: { show: false }, max: "dataMax",
                     min: function (extent) { return Math.min(extent.min, extent.max - 60000); } };
    option.yAxis = [
      { type: "value", name: "lag", minInterval: 1, axisLabel: { color: MUTED }, splitLine: { lineStyle: { color: TRACK } } },
      { type: "value", name: "ms", axisLabel: { color: MUTED }, splitLine: { show: false } }
    ];
    option.dataZoom = [{ type: "inside", filterMode: "none" },
                       { type: "slider", height: 18, bottom: 6, filterMode: "none", showDetail: false }];
    option.series = series;
    chart.setOption(option);
    return chart;
  }

  window.DashboardCharts = { bars: bars, paired: paired, timeline: timeline };
})();
