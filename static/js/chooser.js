/* Searchable chooser for core.forms.ChooserWidget: chips for the chosen rows, a search box,
   results fetched as JSON page by page. The <select multiple> stays in the form (hidden) and
   carries the chosen ids; the server validates them against the scoped queryset.
   ARIA combobox pattern (input + listbox, aria-activedescendant). No inline handlers (CSP). */
(function () {
  "use strict";

  var DEBOUNCE_MS = 250;
  var counter = 0;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function setup(root) {
    var select = root.querySelector("select");
    if (!select || root.dataset.ready) return;
    root.dataset.ready = "1";
    var n = ++counter;
    var baseId = select.id || "chooser-" + n;
    var source = root.dataset.source;
    var form = select.form;
    var narrowBy = select.dataset.narrowBy ? form && form.elements[select.dataset.narrowBy] : null;

    var hint = root.querySelector(".chooser-noscript");
    if (hint) hint.remove();
    select.hidden = true;
    select.setAttribute("aria-hidden", "true");
    select.tabIndex = -1;

    var chips = el("ul", "chooser-chips");
    chips.id = baseId + "-chosen";
    var input = el("input", "chooser-search");
    input.type = "text";
    input.id = baseId + "-search";
    input.autocomplete = "off";
    input.placeholder = root.dataset.placeholder || "";
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    var list = el("ul", "chooser-results");
    list.id = baseId + "-results";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    input.setAttribute("aria-controls", list.id);
    var status = el("p", "muted chooser-status");
    status.id = baseId + "-status";
    status.setAttribute("aria-live", "polite");
    input.setAttribute("aria-describedby", status.id);

    // The field's <label for=…> names the search box now (the select is hidden).
    var label = select.id ? document.querySelector('label[for="' + select.id + '"]') : null;
    if (label) {
      label.htmlFor = input.id;
      list.setAttribute("aria-label", label.textContent.replace(/[:：]\s*$/, "") + "搜索结果");
      chips.setAttribute("aria-label", "已选择的" + label.textContent.replace(/[:：]\s*$/, ""));
    } else {
      list.setAttribute("aria-label", "搜索结果");
    }
    root.insertBefore(chips, select);
    root.insertBefore(input, select);
    root.insertBefore(list, select);
    root.insertBefore(status, select);

    var results = []; // [{id, label, detail}] shown
    var active = -1;
    var page = 1;
    var hasMore = false;
    var timer = null;
    var seq = 0;

    function chosen(id) {
      return !!select.querySelector('option[value="' + String(id) + '"]');
    }

    function addChip(option) {
      var chip = el("li", "chooser-chip");
      chip.dataset.id = option.value;
      chip.appendChild(el("span", "chooser-chip-label", option.textContent));
      var remove = el("button", "chooser-chip-remove", "×");
      remove.type = "button";
      remove.setAttribute("aria-label", "移除 " + option.textContent);
      remove.addEventListener("click", function () {
        var next = chip.nextElementSibling || chip.previousElementSibling;
        option.remove();
        chip.remove();
        status.textContent = "已移除：" + option.textContent;
        markChosen();
        (next ? next.querySelector("button") : input).focus();
      });
      chip.appendChild(remove);
      chips.appendChild(chip);
    }

    Array.prototype.forEach.call(select.options, function (option) {
      option.selected = true;
      addChip(option);
    });

    function optionId(i) {
      return list.id + "-" + i;
    }

    function setActive(i) {
      var items = list.children;
      if (active >= 0 && items[active]) items[active].classList.remove("is-active");
      active = i;
      if (i >= 0 && items[i]) {
        items[i].classList.add("is-active");
        input.setAttribute("aria-activedescendant", items[i].id);
        items[i].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function open(yes) {
      list.hidden = !yes;
      input.setAttribute("aria-expanded", yes ? "true" : "false");
      if (!yes) setActive(-1);
    }

    function markChosen() {
      Array.prototype.forEach.call(list.querySelectorAll("[data-id]"), function (li) {
        li.setAttribute("aria-selected", chosen(li.dataset.id) ? "true" : "false");
      });
    }

    function render() {
      list.textContent = "";
      results.forEach(function (row, i) {
        var li = el("li", "chooser-option");
        li.id = optionId(i);
        li.setAttribute("role", "option");
        li.dataset.id = row.id;
        li.dataset.index = i;
        li.setAttribute("aria-selected", chosen(row.id) ? "true" : "false");
        li.appendChild(el("span", "chooser-option-label", row.label));
        if (row.detail) li.appendChild(el("span", "chooser-option-detail", row.detail));
        list.appendChild(li);
      });
      if (hasMore) {
        var more = el("li", "chooser-option chooser-more", "显示更多结果…");
        more.id = optionId(results.length);
        more.setAttribute("role", "option");
        more.setAttribute("aria-selected", "false");
        more.dataset.more = "1";
        list.appendChild(more);
      }
    }

    function fetchPage(nextPage) {
      var mine = ++seq;
      var params = new URLSearchParams();
      params.set("q", input.value.trim());
      params.set("page", String(nextPage));
      if (narrowBy && narrowBy.value) params.set("org", narrowBy.value);
      status.textContent = "正在搜索…";
      fetch(source + "?" + params.toString(), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) {
          if (!r.ok) throw new Error(String(r.status));
          return r.json();
        })
        .then(function (data) {
          if (mine !== seq) return; // an older answer arriving late
          var keep = nextPage > 1 ? active : -1;
          results = nextPage > 1 ? results.concat(data.results) : data.results;
          page = data.page;
          hasMore = data.has_more;
          render();
          open(true);
          setActive(keep >= 0 ? Math.min(keep, list.children.length - 1) : -1);
          status.textContent = results.length
            ? "找到 " + results.length + (hasMore ? "+" : "") + " 项，用上下方向键选择，回车添加"
            : "没有找到匹配的项目";
        })
        .catch(function () {
          if (mine === seq) status.textContent = "搜索失败，请稍后再试";
        });
    }

    function choose(i) {
      var li = list.children[i];
      if (!li) return;
      if (li.dataset.more) {
        fetchPage(page + 1);
        return;
      }
      var row = results[Number(li.dataset.index)];
      if (chosen(row.id)) {
        status.textContent = "已经选择了：" + row.label;
        return;
      }
      var text = row.detail ? row.label + "（" + row.detail + "）" : row.label;
      var option = new Option(text, String(row.id), true, true);
      select.appendChild(option);
      addChip(option);
      markChosen();
      status.textContent = "已添加：" + row.label;
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { fetchPage(1); }, DEBOUNCE_MS);
    });
    input.addEventListener("focus", function () {
      if (list.hidden && !results.length) fetchPage(1);
      else if (results.length) open(true);
    });
    input.addEventListener("keydown", function (event) {
      var count = list.children.length;
      if (event.key === "ArrowDown") {
        event.preventDefault();
        if (list.hidden) { fetchPage(1); return; }
        setActive(count ? (active + 1) % count : -1);
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        setActive(count ? (active <= 0 ? count - 1 : active - 1) : -1);
      } else if (event.key === "Enter") {
        if (!list.hidden && active >= 0) {
          event.preventDefault();
          choose(active);
        } else if (!list.hidden) {
          event.preventDefault(); // Enter in the search box never submits the form
        }
      } else if (event.key === "Escape") {
        if (!list.hidden) {
          event.preventDefault();
          open(false);
        }
      }
    });
    input.addEventListener("blur", function () {
      setTimeout(function () {
        if (!root.contains(document.activeElement)) open(false);
      }, 150);
    });
    list.addEventListener("mousedown", function (event) {
      event.preventDefault(); // keep the focus in the search box
    });
    list.addEventListener("click", function (event) {
      var li = event.target.closest("li[role=option]");
      if (!li) return;
      var i = Array.prototype.indexOf.call(list.children, li);
      setActive(i);
      choose(i);
    });
    if (narrowBy) {
      narrowBy.addEventListener("change", function () {
        results = [];
        open(false);
      });
    }
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-chooser]"), setup);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
