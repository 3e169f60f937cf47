// The performance dashboard's charts (ECharts, vendored locally). Every figure comes from the page's
// own JSON (#dash-data); the tables under the charts hold the same numbers.
(function () {
  "use strict";
  var BLUE = "#1f5fae", GREEN = "#1d7a46", RED = "#b3261e", AMBER = "#9a6200", GREY = "#6b7788";

  function pct(v) { return v == null ? "–" : (v * 100).toFixed(1) + "%"; }
  function round1(v) { return v == null ? null : Math.round(v * 10) / 10; }

  function make(el, option, font) {
    var chart = window.echarts.init(el, null, { renderer: "svg" });
    option.animation = false;
    option.textStyle = { fontFamily: font, fontSize: 13 };
    chart.setOption(option);
    window.addEventListener("resize", function () { chart.resize(); });
    return chart;
  }

  function pareto(rows, L, hours) {
    var keys = rows.map(function (r) { return r.key; });
    var vals = rows.map(function (r) { return round1(hours ? r.value / 3600 : r.value); });
    var cum = rows.map(function (r) { return round1(r.cumulative * 100); });
    return {
      grid: { left: 48, right: 48, top: 28, bottom: 56 },
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      xAxis: { type: "category", data: keys, axisLabel: { interval: 0, rotate: keys.length > 5 ? 30 : 0 } },
      yAxis: [{ type: "value", name: hours ? L.hours : "" }, { type: "value", max: 100, axisLabel: { formatter: "{value}%" } }],
      series: [
        { type: "bar", name: hours ? L.hours : "", data: vals, itemStyle: { color: BLUE }, barMaxWidth: 42 },
        { type: "line", name: L.cumulative, yAxisIndex: 1, data: cum, itemStyle: { color: AMBER }, symbolSize: 6 }
      ]
    };
  }

  var draw = {
    trend: function (d) {
      var days = d.trend.map(function (t) { return t.day.slice(5); });
      return {
        grid: { left: 48, right: 16, top: 28, bottom: 32 },
        tooltip: { trigger: "axis", valueFormatter: function (v) { return v == null ? "–" : v + "%"; } },
        legend: { top: 0 },
        xAxis: { type: "category", data: days },
        yAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
        series: [
          { type: "line", name: d.labels.oee, data: d.trend.map(function (t) { return t.oee == null ? null : round1(t.oee * 100); }),
            itemStyle: { color: BLUE }, connectNulls: false, symbolSize: 7 },
          { type: "line", name: d.labels.target, data: days.map(function () { return 85; }), symbol: "none",
            lineStyle: { type: "dashed", color: GREEN } }
        ]
      };
    },
    waterfall: function (d) {
      var steps = d.waterfall, base = [], loss = [], total = [], names = [];
      var level = 0;
      steps.forEach(function (s) {
        var h = s.seconds / 3600;
        names.push(d.lang === "ko" ? s.label_ko : s.label);
        if (s.kind === "total") { level = h; base.push(0); total.push(round1(h)); loss.push(null); }
        else { level -= h; base.push(round1(Math.max(level, 0))); loss.push(round1(h)); total.push(null); }
      });
      return {
        grid: { left: 48, right: 16, top: 16, bottom: 64 },
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
        xAxis: { type: "category", data: names, axisLabel: { interval: 0, rotate: 30 } },
        yAxis: { type: "value", name: d.labels.hours },
        series: [
          { type: "bar", stack: "w", data: base, itemStyle: { color: "transparent" }, tooltip: { show: false } },
          { type: "bar", stack: "w", data: total, itemStyle: { color: BLUE }, barMaxWidth: 42 },
          { type: "bar", stack: "w", data: loss, itemStyle: { color: RED }, barMaxWidth: 42 }
        ]
      };
    },
    machines: function (d) {
      return {
        grid: { left: 48, right: 16, top: 16, bottom: 32 },
        tooltip: { trigger: "axis", valueFormatter: function (v) { return v == null ? "–" : v + "%"; } },
        xAxis: { type: "category", data: d.machines },
        yAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
        series: [{ type: "bar", barMaxWidth: 48,
          data: d.machine_oee.map(function (v) {
            return { value: v == null ? null : round1(v * 100), itemStyle: { color: v != null && v >= 0.85 ? GREEN : BLUE } };
          }),
          markLine: { symbol: "none", data: [{ yAxis: 85, name: d.labels.target }], lineStyle: { color: GREEN, type: "dashed" } } }]
      };
    },
    reliability: function (d) {
      var days = d.trend.map(function (t) { return t.day.slice(5); });
      return {
        grid: { left: 48, right: 48, top: 28, bottom: 32 },
        tooltip: { trigger: "axis" },
        legend: { top: 0 },
        xAxis: { type: "category", data: days },
        yAxis: [{ type: "value", name: "MTBF " + d.labels.hours }, { type: "value", name: "MTTR " + d.labels.hours }],
        series: [
          { type: "bar", name: "MTBF", data: d.trend.map(function (t) { return round1(t.mtbf_h); }), itemStyle: { color: BLUE }, barMaxWidth: 32 },
          { type: "line", name: "MTTR", yAxisIndex: 1, data: d.trend.map(function (t) { return round1(t.mttr_h); }), itemStyle: { color: RED } }
        ]
      };
    },
    "pareto-reason": function (d) { return pareto(d.pareto.reason, d.labels, true); },
    "pareto-equipment": function (d) { return pareto(d.pareto.equipment, d.labels, true); },
    "pareto-shift": function (d) { return pareto(d.pareto.shift, d.labels, true); },
    "pareto-scrap": function (d) { return pareto(d.scrap, d.labels, false); },
    spc: function (d, el) {
      var c = d.spc.charts[Number(el.getAttribute("data-index") || 0)];
      var x = c.points.map(function (_, i) { return i + 1; });
      var marks = c.violations.map(function (v) { return { coord: [v.index, c.points[v.index]], value: v.rule }; });
      return {
        title: { text: c.kind, left: 8, top: 0, textStyle: { fontSize: 13 } },
        grid: { left: 56, right: 56, top: 32, bottom: 48 },
        tooltip: { trigger: "axis" },
        dataZoom: [{ type: "inside" }, { type: "slider", height: 18, bottom: 4 }],
        xAxis: { type: "category", data: x },
        yAxis: { type: "value", scale: true },
        series: [
          { type: "line", name: c.kind, data: c.points, itemStyle: { color: BLUE }, symbolSize: 4,
            markPoint: { symbol: "circle", symbolSize: 12, itemStyle: { color: RED }, label: { show: false }, data: marks } },
          { type: "line", name: "UCL", data: c.ucl, symbol: "none", lineStyle: { color: RED, type: "dashed" } },
          { type: "line", name: d.labels.cl, data: x.map(function () { return c.center; }), symbol: "none", lineStyle: { color: GREEN } },
          { type: "line", name: "LCL", data: c.lcl, symbol: "none", lineStyle: { color: RED, type: "dashed" } }
        ]
      };
    },
    progress: function (d) {
      var open = d.orders.filter(function (o) { return ["released", "in_progress", "on_hold"].indexOf(o.status) >= 0; }).slice(0, 30);
      return {
        grid: { left: 96, right: 40, top: 8, bottom: 24 },
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, valueFormatter: function (v) { return v + "%"; } },
        xAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
        yAxis: { type: "category", inverse: true, data: open.map(function (o) { return o.work_order; }) },
        series: [{ type: "bar", name: d.labels.progress, barMaxWidth: 18,
          data: open.map(function (o) {
            return { value: round1((o.progress || 0) * 100), itemStyle: { color: o.late ? RED : BLUE } };
          }),
          label: { show: true, position: "right", formatter: "{c}%" } }]
      };
    },
    telemetry: function (d) {
      var s = d.series, series = [
        { type: "line", name: d.labels.mean, data: s.mean, symbol: "none", itemStyle: { color: BLUE }, sampling: "lttb" }
      ];
      if (s.min.length) {
        series.push({ type: "line", name: d.labels.min, data: s.min, symbol: "none", lineStyle: { color: GREY, width: 1 } });
        series.push({ type: "line", name: d.labels.max, data: s.max, symbol: "none", lineStyle: { color: GREY, width: 1 } });
      }
      return {
        grid: { left: 56, right: 24, top: 28, bottom: 64 },
        tooltip: { trigger: "axis" },
        legend: { top: 0 },
        dataZoom: [{ type: "inside" }, { type: "slider", height: 22, bottom: 8 }],
        xAxis: { type: "category", data: s.t },
        yAxis: { type: "value", scale: true },
        series: series
      };
    },
    pqcd: function (d) {
      var rows = d.indicators.filter(function (i) { return i.improvement_pct != null; });
      return {
        grid: { left: 140, right: 48, top: 8, bottom: 24 },
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, valueFormatter: function (v) { return v + "%"; } },
        xAxis: { type: "value", axisLabel: { formatter: "{value}%" } },
        yAxis: { type: "category", inverse: true, data: rows.map(function (i) { return d.lang === "ko" ? i.name_ko : i.name; }) },
        series: [{ type: "bar", name: d.labels.improvement, barMaxWidth: 20,
          data: rows.map(function (i) { return { value: round1(i.improvement_pct), itemStyle: { color: i.improved ? GREEN : RED } }; }),
          label: { show: true, position: "right", formatter: "{c}%" } }]
      };
    }
  };

  function start() {
    var holder = document.getElementById("dash-data");
    var els = document.querySelectorAll("[data-chart]");
    if (!holder || !window.echarts) { els.forEach(function (el) { el.hidden = true; }); return; }
    var d = JSON.parse(holder.textContent);
    var font = getComputedStyle(document.body).fontFamily;
    els.forEach(function (el) {
      var fn = draw[el.getAttribute("data-chart")];
      if (fn) { make(el, fn(d, el), font); el.setAttribute("data-drawn", "1"); }
    });
  }
  window.jejoPct = pct;
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
