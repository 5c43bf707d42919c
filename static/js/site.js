// Small behaviours of the site's pages, bound here instead of inline handlers
// (the Content-Security-Policy refuses inline onclick=…; see core/csp.py).
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var target = event.target.closest("[data-print], [data-check-all]");
    if (!target) return;
    if (target.hasAttribute("data-print")) {
      window.print();
    } else {
      var box = target.closest("fieldset") || document;
      box.querySelectorAll('input[type="checkbox"]').forEach(function (c) { c.checked = true; });
    }
  });
})();
