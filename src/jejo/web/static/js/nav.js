// The main menu's groups: opening one closes the others; a click outside or Escape closes them all.
(function () {
  "use strict";
  function groups() { return document.querySelectorAll(".mainnav details.navgroup"); }
  document.addEventListener("toggle", function (e) {
    var d = e.target;
    if (!(d instanceof HTMLDetailsElement) || !d.classList.contains("navgroup") || !d.open) { return; }
    groups().forEach(function (g) { if (g !== d) { g.open = false; } });
  }, true);
  document.addEventListener("click", function (e) {
    if (!e.target.closest || !e.target.closest(".navgroup")) { groups().forEach(function (g) { g.open = false; }); }
  });
  document.addEventListener("keydown", function (e) {
    if (e.key !== "Escape") { return; }
    groups().forEach(function (g) {
      if (g.open) { g.open = false; g.querySelector("summary").focus(); }
    });
  });
})();
