// The plan's Gantt chart (ECharts custom series, vendored locally): one row per machine, one bar per
// working piece of an operation coloured by work order, ◆ due dates, hatched outages. Clicking a bar
// chooses that operation in the pin form. Data comes from the page itself.
(function () {
  "use strict";
  var PALETTE = ["#1f5fae", "#1d7a46", "#9a6200", "#7b3fa0", "#0f7f86", "#b0452a", "#4d6a1f", "#a2346b",
                 "#3d4f9f", "#6b5a2e", "#2f7fbf", "#8a3b3b"];

  function colour(i) { return PALETTE[i % PALETTE.length]; }

  function draw() {
    var el = document.getElementById("gantt");
    var src = document.getElementById("gantt-data");
    if (!el || !src || !window.echarts) { if (el) { el.hidden = true; } return; }
    var d = JSON.parse(src.textContent);
    var L = d.labels;
    var font = getComputedStyle(document.body).fontFamily;
    var chart = window.echarts.init(el, null, { renderer: "svg" });
    var n = d.machines.length;

    function band(api, row) {  // the y extent of a machine's row
      var top = api.coord([0, row])[1];
      var h = api.size([0, 1])[1];
      return { y: top - h * 0.32, h: h * 0.64 };
    }

    function renderBar(params, api) {
      var row = api.value(0), s = api.coord([api.value(1), row]), e = api.coord([api.value(2), row]);
      var b = band(api, row);
      var rect = window.echarts.graphic.clipRectByRect(
        { x: s[0], y: b.y, width: Math.max(2, e[0] - s[0]), height: b.h },
        { x: params.coordSys.x, y: params.coordSys.y, width: params.coordSys.width, height: params.coordSys.height });
      if (!rect) { return null; }
      var bar = d.bars[params.dataIndex];
      var children = [{ type: "rect", shape: rect, style: { fill: colour(bar.c), stroke: bar.pinned ? "#111" : "#fff",
                                                            lineWidth: bar.pinned ? 2 : 1 } }];
      if (rect.width > 46) {
        children.push({ type: "text", style: { text: bar.wo.replace(/^.*-/, "") + "·" + bar.seq, x: rect.x + 4,
                        y: rect.y + rect.height / 2, verticalAlign: "middle", fill: "#fff", fontSize: 11, fontFamily: font },
                        silent: true });
      }
      return { type: "group", children: children };
    }

    function renderDue(params, api) {
      var p = api.coord([api.value(1), api.value(0)]);
      var cs = params.coordSys;
      if (p[0] < cs.x || p[0] > cs.x + cs.width) { return null; }
      var due = d.dues[params.dataIndex];
      var size = 7, y = p[1] - api.size([0, 1])[1] * 0.36;
      return { type: "polygon", shape: { points: [[p[0], y - size], [p[0] + size, y], [p[0], y + size], [p[0] - size, y]] },
               style: { fill: due.late ? "#b3261e" : colour(due.c), stroke: "#fff", lineWidth: 1 } };
    }

    function renderOutage(params, api) {
      var row = api.value(0), s = api.coord([api.value(1), row]), e = api.coord([api.value(2), row]);
      var h = api.size([0, 1])[1];
      var rect = window.echarts.graphic.clipRectByRect(
        { x: s[0], y: api.coord([0, row])[1] - h / 2, width: Math.max(2, e[0] - s[0]), height: h },
        { x: params.coordSys.x, y: params.coordSys.y, width: params.coordSys.width, height: params.coordSys.height });
      if (!rect) { return null; }
      return { type: "rect", shape: rect, style: { fill: "rgba(179, 38, 30, 0.12)", stroke: "#b3261e", lineDash: [4, 3] } };
    }

    var lo = d.origin, hi = d.origin;
    d.bars.forEach(function (b) { hi = Math.max(hi, b.e); lo = Math.min(lo, b.s); });
    d.dues.forEach(function (x) { hi = Math.max(hi, x.t); });
    var pad = Math.max(30 * 60000, (hi - lo) * 0.02);
    // open on the next few days (the slider below shows the whole plan)
    var first = lo - pad, last = Math.min(hi + pad, d.origin + 3.5 * 86400000);

    chart.setOption({
      animation: false,
      textStyle: { fontFamily: font, fontSize: 13 },
      grid: { left: 104, right: 24, top: 24, bottom: 56 },
      tooltip: {
        trigger: "item",
        formatter: function (p) {
          if (p.seriesIndex === 0) {
            var b = d.bars[p.dataIndex];
            return "<b>" + b.wo + " · " + b.seq + " " + b.name + "</b><br>" + L.machine + ": " + b.eq +
              "<br>" + L.start + ": " + b.from + "<br>" + L.end + ": " + b.to +
              (b.due ? "<br>" + L.due + ": " + b.due : "") + (b.state ? "<br>" + b.state : "");
          }
          if (p.seriesIndex === 1) {
            var x = d.dues[p.dataIndex];
            return "<b>" + x.wo + "</b><br>" + L.due + ": " + x.label + (x.late ? " · " + L.late : "");
          }
          return d.outages[p.dataIndex].label;
        }
      },
      dataZoom: [{ type: "slider", xAxisIndex: 0, height: 18, bottom: 8, filterMode: "weakFilter",
                   startValue: first, endValue: last, labelFormatter: "" },
                 { type: "inside", xAxisIndex: 0, filterMode: "weakFilter", startValue: first, endValue: last }],
      xAxis: { type: "time", min: lo - pad, max: hi + pad, position: "top", splitLine: { show: true, lineStyle: { color: "#e6e8ec" } } },
      yAxis: { type: "category", data: d.machines, inverse: true, axisTick: { show: false },
               splitLine: { show: true, lineStyle: { color: "#eef0f3" } } },
      series: [
        { type: "custom", name: "ops", renderItem: renderBar, encode: { x: [1, 2], y: 0 },
          data: d.bars.map(function (b) { return [b.row, b.s, b.e]; }) },
        { type: "custom", name: "due", renderItem: renderDue, encode: { x: 1, y: 0 }, z: 5,
          data: d.dues.map(function (x) { return [x.row, x.t]; }) },
        { type: "custom", name: "out", renderItem: renderOutage, encode: { x: [1, 2], y: 0 }, z: 1,
          data: d.outages.map(function (o) { return [o.row, o.s, o.e]; }),
          markLine: { silent: true, symbol: "none", lineStyle: { color: "#333", type: "dashed" },
                      label: { formatter: L.now, position: "end" }, data: [{ xAxis: d.origin }] } }
      ]
    });
    chart.on("click", function (p) {
      if (p.seriesIndex !== 0) { return; }
      var b = d.bars[p.dataIndex];
      var sel = document.getElementById("pin-operation");
      if (!sel) { return; }
      sel.value = b.wo + "/" + b.seq;
      sel.dispatchEvent(new Event("change"));
      sel.scrollIntoView({ behavior: "smooth", block: "center" });
    });
    window.addEventListener("resize", function () { chart.resize(); });
    el.dataset.bars = String(d.bars.length);
    el.dataset.rows = String(n);
  }

  function syncForm() {  // the chosen operation's machine and start fill the other fields
    var sel = document.getElementById("pin-operation");
    if (!sel) { return; }
    var fill = function () {
      var opt = sel.options[sel.selectedIndex];
      if (!opt) { return; }
      document.getElementById("pin-equipment").value = opt.dataset.eq;
      document.getElementById("pin-start").value = opt.dataset.start;
    };
    sel.addEventListener("change", fill);
    fill();
  }

  function start() { draw(); syncForm(); }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
