/* The Wagtail admin's tag fields (tag-it) type into an input the plugin makes itself, next to
 * the labelled field it hides; that input has no name for a screen reader (axe: "Form elements
 * must have labels", critical). Give it the label of the field it stands for. */
(function () {
  "use strict";

  function name(input) {
    if (input.hasAttribute("aria-label") || input.hasAttribute("aria-labelledby")) return;
    var list = input.closest("ul.tagit");
    var field = list && list.previousElementSibling;
    var label = field && field.id ? document.querySelector('label[for="' + field.id + '"]') : null;
    if (!label) return;
    if (label.id) input.setAttribute("aria-labelledby", label.id);
    else input.setAttribute("aria-label", label.textContent.trim());
  }

  function scan(root) {
    if (root.matches && root.matches("input.ui-autocomplete-input")) name(root);
    if (root.querySelectorAll) root.querySelectorAll("ul.tagit input.ui-autocomplete-input").forEach(name);
  }

  function start() {
    scan(document);
    new MutationObserver(function (records) {
      records.forEach(function (record) { record.addedNodes.forEach(scan); });
    }).observe(document.body, { childList: true, subtree: true });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
