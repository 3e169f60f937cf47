// Center pages: the level-diagnosis radar (ECharts), from the JSON the page carries.
(function () {
  function draw() {
    var el = document.getElementById("radar");
    var src = document.getElementById("radar-data");
    if (!el || !src || !window.echarts) return;
    var data = JSON.parse(src.textContent);
    var chart = window.echarts.init(el, null, { renderer: "svg" });
    chart.setOption({
      animation: false,
      tooltip: {},
      radar: { indicator: data.indicators, radius: "65%", axisName: { color: "#24292f", fontSize: 12 } },
      series: [{
        type: "radar",
        data: [{ value: data.values, name: el.dataset.label || "", areaStyle: { opacity: 0.25 } }],
      }],
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
