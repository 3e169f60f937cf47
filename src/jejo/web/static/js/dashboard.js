// Work orders by status as a bar chart (ECharts, vendored locally). Data comes from the page itself.
(function () {
  "use strict";
  function draw() {
    var el = document.getElementById("wo-chart");
    var data = document.getElementById("wo-chart-data");
    if (!el || !data || !window.echarts) { if (el) { el.hidden = true; } return; }
    var d = JSON.parse(data.textContent);
    // the tiles' colours, so a bar and its tile read as one
    var colours = { planned: "#6b7788", released: "#1f5fae", in_progress: "#1d7a46", on_hold: "#9a6200",
                    completed: "#1d7a46", closed: "#1d7a46", cancelled: "#b3261e" };
    var values = d.values.map(function (v, i) { return { value: v, itemStyle: { color: colours[d.keys[i]] || "#1f5fae" } }; });
    var font = getComputedStyle(document.body).fontFamily;
    var chart = window.echarts.init(el, null, { renderer: "svg" });
    chart.setOption({
      animation: false,
      textStyle: { fontFamily: font, fontSize: 14 },
      grid: { left: 40, right: 16, top: 16, bottom: 32 },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: d.labels, axisTick: { show: false } },
      yAxis: { type: "value", minInterval: 1 },
      series: [{ type: "bar", data: values, barMaxWidth: 48, itemStyle: { borderRadius: [6, 6, 0, 0] } }]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
