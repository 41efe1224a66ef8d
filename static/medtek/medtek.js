// A region that scrolls sideways (a wide table on a phone) must be reachable by keyboard
// (WCAG 2.1.1): when nothing inside it can take the focus, the region itself takes it.
(function () {
  "use strict";
  var FOCUSABLE = "a[href], button, input, select, textarea, [tabindex]";

  function reachable() {
    document.querySelectorAll("main table, main .table-responsive").forEach(function (region) {
      var scrolls = region.scrollWidth > region.clientWidth &&
        getComputedStyle(region).overflowX !== "visible";
      if (scrolls && !region.querySelector(FOCUSABLE)) {
        region.setAttribute("tabindex", "0");
      } else if (region.dataset.scrollFocus && !scrolls) {
        region.removeAttribute("tabindex");
      }
      if (scrolls && region.getAttribute("tabindex") === "0") {
        region.dataset.scrollFocus = "1";
      }
    });
  }

  document.addEventListener("DOMContentLoaded", reachable);
  window.addEventListener("load", reachable);
  window.addEventListener("resize", reachable);
  document.addEventListener("htmx:afterSettle", reachable);
})();
