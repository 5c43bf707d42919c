/* Two kinds of Wagtail admin field type into a box that the field's own label does not name, so a
 * screen reader announces nothing (axe: "Form elements must have labels", critical; "ARIA input
 * fields must have an accessible name", serious):
 * - tag fields: tag-it hides the labelled input and makes its own text box next to it;
 * - rich text (Draftail): the editable area is a role="textbox" element, not the labelled input.
 * Each box gets the label of the field it stands for. */
(function () {
  "use strict";

  var BOXES = "ul.tagit input.ui-autocomplete-input, .public-DraftEditor-content[role=textbox]";

  function named(box) {
    if (box.hasAttribute("aria-label")) return true;
    var ids = (box.getAttribute("aria-labelledby") || "").split(/\s+/).filter(Boolean);
    return ids.length > 0 && ids.every(function (id) { return document.getElementById(id); });
  }

  function labelFor(box) {
    // The input the field's label points at: the one tag-it hid, or Draftail's hidden input.
    var list = box.closest("ul.tagit");
    var field = list ? list.previousElementSibling : null;
    if (!field) {
      var wrapper = box.closest(".w-field");
      field = wrapper && wrapper.querySelector("input[id], textarea[id]");
    }
    var label = field && field.id ? document.querySelector('label[for="' + field.id + '"]') : null;
    if (label) return label;
    var outer = box.closest(".w-field__wrapper");
    return outer ? outer.querySelector(".w-field__label") : null;
  }

  function name(box) {
    if (named(box)) return;
    var label = labelFor(box);
    if (!label) return;
    if (label.id) box.setAttribute("aria-labelledby", label.id);
    else box.setAttribute("aria-label", label.textContent.trim());
  }

  function scan(root) {
    if (root.matches && root.matches(BOXES)) name(root);
    if (root.querySelectorAll) root.querySelectorAll(BOXES).forEach(name);
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
