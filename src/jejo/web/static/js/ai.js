// A finding's chart: its machine's signals (window features) and the anomaly score with the threshold,
// the finding's period shaded. ECharts, vendored locally; the data comes from the page itself.
(function () {
  "use strict";
  function draw() {
    var el = document.getElementById("finding-chart");
    var data = document.getElementById("finding-chart-data");
    if (!el || !data || !window.echarts) { if (el) { el.hidden = true; } return; }
    var d = JSON.parse(data.textContent);
    el.style.height = "380px";
    var font = getComputedStyle(document.body).fontFamily;
    var times = d.times.map(function (t) { return new Date(t).getTime(); });
    function pairs(values) { return values.map(function (v, i) { return [times[i], v]; }); }
    // one scale per signal (e.g. vibration on the left, temperature on the right), so both stay readable
    var groups = [];
    var series = [];
    Object.keys(d.signals).forEach(function (name) {
      var group = name.replace(/_[^_]+$/, "");
      if (groups.indexOf(group) < 0) { groups.push(group); }
      var axis = groups.indexOf(group) === 1 ? 2 : 0;
      series.push({ name: name, type: "line", showSymbol: false, xAxisIndex: 0, yAxisIndex: axis, data: pairs(d.signals[name]) });
    });
    series.push({
      name: d.labels.score, type: "line", showSymbol: false, xAxisIndex: 1, yAxisIndex: 1,
      data: pairs(d.score), lineStyle: { color: "#b3261e", width: 2 }, itemStyle: { color: "#b3261e" },
      markLine: { symbol: "none", silent: true, lineStyle: { color: "#9a6200", type: "dashed" },
                  label: { formatter: d.labels.threshold, position: "insideStartTop" }, data: [{ yAxis: d.threshold }] },
      markArea: { silent: true, itemStyle: { color: "rgba(179, 38, 30, 0.08)" },
                  data: [[{ xAxis: new Date(d.window_start).getTime() }, { xAxis: new Date(d.window_end).getTime() }]] }
    });
    var chart = window.echarts.init(el, null, { renderer: "svg" });
    chart.setOption({
      animation: false,
      textStyle: { fontFamily: font, fontSize: 13 },
      legend: { top: 0 },
      tooltip: { trigger: "axis" },
      axisPointer: { link: [{ xAxisIndex: "all" }] },
      grid: [{ left: 56, right: 56, top: 36, height: "42%" }, { left: 56, right: 56, top: "62%", bottom: 32 }],
      xAxis: [{ type: "time", gridIndex: 0, axisLabel: { show: false } }, { type: "time", gridIndex: 1 }],
      yAxis: [{ type: "value", gridIndex: 0, scale: true, name: groups[0] || "" },
              { type: "value", gridIndex: 1, min: 0 },
              { type: "value", gridIndex: 0, scale: true, position: "right", splitLine: { show: false }, name: groups[1] || "" }],
      series: series
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
