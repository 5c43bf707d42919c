/* Taking a test: autosave every answer, keep the server's countdown, log leaving the page.
   The server is the authority: it holds the deadline and submits on its own when time is up. */
(function () {
  "use strict";
  var form = document.getElementById("exam-form");
  if (!form) return;
  var state = JSON.parse(document.getElementById("exam-state").textContent);
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var statusEl = document.getElementById("save-status");
  var countdownEl = document.getElementById("countdown");
  var pending = 0;
  var submitting = false;
  var timers = {};
  var versions = {};  // per question: bumped on every change, so an older reply never claims 已保存

  function post(url, body, keepalive) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      keepalive: !!keepalive,
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, Accept: "application/json" },
      body: JSON.stringify(body || {}),
    });
  }

  function setStatus(text, isError) {
    statusEl.textContent = text;
    statusEl.classList.toggle("error", !!isError);
  }

  function section(itemId) { return form.querySelector('.question[data-item="' + itemId + '"]'); }

  function readResponse(sec) {
    var type = sec.dataset.type;
    if (type === "single") {
      var r = sec.querySelector("input:checked");
      return r ? r.value : null;
    }
    if (type === "multiple") {
      return Array.prototype.map.call(sec.querySelectorAll("input:checked"), function (i) { return i.value; });
    }
    if (type === "truefalse") {
      var t = sec.querySelector("input:checked");
      return t ? t.value === "true" : null;
    }
    if (type === "blank") {
      return Array.prototype.map.call(sec.querySelectorAll("input.blank"), function (i) { return i.value; });
    }
    return sec.querySelector("textarea").value;
  }

  function fill(sec, response) {
    if (response === null || response === undefined) return;
    var type = sec.dataset.type;
    if (type === "single") {
      var r = sec.querySelector('input[value="' + response + '"]');
      if (r) r.checked = true;
    } else if (type === "multiple") {
      response.forEach(function (v) { var c = sec.querySelector('input[value="' + v + '"]'); if (c) c.checked = true; });
    } else if (type === "truefalse") {
      var t = sec.querySelector('input[value="' + (response ? "true" : "false") + '"]');
      if (t) t.checked = true;
    } else if (type === "blank") {
      var inputs = sec.querySelectorAll("input.blank");
      response.forEach(function (v, i) { if (inputs[i]) inputs[i].value = v; });
    } else {
      sec.querySelector("textarea").value = response;
    }
  }

  function save(sec, attempt, keepalive) {
    var itemId = parseInt(sec.dataset.item, 10);
    delete timers[sec.dataset.item];
    var version = versions[sec.dataset.item];
    var mark = sec.querySelector(".q-saved");
    pending += 1;
    mark.textContent = "保存中…";
    mark.classList.remove("error");
    setStatus("保存中…");
    post(form.dataset.answerUrl, { item: itemId, response: readResponse(sec) }, keepalive)
      .then(function (resp) { return resp.json().then(function (data) { return { ok: resp.ok, data: data }; }); })
      .then(function (res) {
        pending -= 1;
        if (res.ok && res.data.saved) {
          if (versions[sec.dataset.item] !== version || timers[sec.dataset.item]) return;
          mark.textContent = "已保存";
          if (!pending) setStatus("已保存");
        } else {
          mark.textContent = res.data.error || "保存失败";
          mark.classList.add("error");
          setStatus(res.data.error || "保存失败", true);
        }
      })
      .catch(function () {
        pending -= 1;
        mark.textContent = "未保存，正在重试";
        mark.classList.add("error");
        setStatus("网络异常，正在重试", true);
        attempt = (attempt || 0) + 1;
        if (attempt < 5) setTimeout(function () { save(sec, attempt); }, 1000 * attempt);
      });
  }

  function schedule(sec, delay) {
    var id = sec.dataset.item;
    versions[id] = (versions[id] || 0) + 1;
    clearTimeout(timers[id]);
    var mark = sec.querySelector(".q-saved");
    mark.textContent = "未保存";
    mark.classList.remove("error");
    timers[id] = setTimeout(function () { save(sec); }, delay);
  }

  state.items.forEach(function (item) {
    var sec = section(item.id);
    if (sec) fill(sec, item.response);
  });

  // 答题卡, 标记待查 and the question the member was on: kept in this browser per attempt
  // (answers themselves live on the server; a flag or a position is only a reading aid).
  var storeKey = "exam:" + form.dataset.attempt + ":";
  function load(name, fallback) {
    try { var v = window.localStorage.getItem(storeKey + name); return v === null ? fallback : JSON.parse(v); }
    catch (e) { return fallback; }
  }
  function store(name, value) {
    try { window.localStorage.setItem(storeKey + name, JSON.stringify(value)); } catch (e) { /* private mode */ }
  }
  var flags = load("flags", {});
  var sections = Array.prototype.slice.call(form.querySelectorAll(".question"));
  var sheet = document.getElementById("answer-sheet");

  function answered(sec) {
    var r = readResponse(sec);
    if (r === null || r === undefined) return false;
    if (Array.isArray(r)) return r.some(function (v) { return v !== "" && v !== null; });
    return String(r).trim() !== "";
  }
  function refreshSheet() {
    sections.forEach(function (sec, j) {
      var id = sec.dataset.item;
      var cell = sheet.querySelector('[data-sheet-for="' + id + '"]');
      var done = answered(sec), flagged = !!flags[id];
      cell.classList.toggle("answered", done);
      cell.classList.toggle("flagged", flagged);
      cell.classList.toggle("current", j === current);
      cell.setAttribute("aria-label", "第 " + (j + 1) + " 题，" + (done ? "已答" : "未答") + (flagged ? "，已标记" : ""));
      sec.classList.toggle("flagged", flagged);
      var button = sec.querySelector(".flag-toggle");
      button.setAttribute("aria-pressed", flagged ? "true" : "false");
      button.textContent = flagged ? "已标记" : "标记待查";
    });
  }

  form.addEventListener("change", function (e) {
    var sec = e.target.closest(".question");
    if (sec) { schedule(sec, 0); refreshSheet(); }
  });
  form.addEventListener("input", function (e) {
    if (e.target.matches("input.blank, textarea")) { schedule(e.target.closest(".question"), 600); refreshSheet(); }
  });
  form.addEventListener("click", function (e) {
    var flag = e.target.closest(".flag-toggle");
    if (!flag) return;
    var id = flag.dataset.flagFor;
    if (flags[id]) delete flags[id]; else flags[id] = true;
    store("flags", flags);
    refreshSheet();
  });
  form.addEventListener("focusin", function (e) {
    var sec = e.target.closest(".question");
    if (sec && form.dataset.layout !== "one") { current = sections.indexOf(sec); store("current", current); refreshSheet(); }
  });

  // One question per screen, or all on one page; either way the member comes back where they were.
  var one = form.dataset.layout === "one";
  var current = Math.max(0, Math.min(sections.length - 1, parseInt(load("current", 0), 10) || 0));
  function show(i, scroll) {
    current = Math.max(0, Math.min(sections.length - 1, i));
    store("current", current);
    if (one) sections.forEach(function (s, j) { s.classList.toggle("current", j === current); });
    else if (scroll) sections[current].scrollIntoView({ block: "start" });
    refreshSheet();
  }
  show(current, current > 0);
  if (one) {
    document.getElementById("prev-q").addEventListener("click", function () { show(current - 1); });
    document.getElementById("next-q").addEventListener("click", function () { show(current + 1); });
  }
  sheet.addEventListener("click", function (e) {
    var cell = e.target.closest(".sheet-item");
    if (!cell) return;
    var sec = section(cell.dataset.sheetFor);
    show(sections.indexOf(sec), true);
    var first = sec.querySelector("input, textarea");
    if (first) first.focus({ preventScroll: !one });
    if (window.matchMedia("(max-width: 999px)").matches) toggleSheet(false);
  });
  var sheetToggle = document.getElementById("sheet-toggle");
  function toggleSheet(open) {
    sheet.classList.toggle("open", open);
    sheetToggle.setAttribute("aria-expanded", open ? "true" : "false");
  }
  sheetToggle.addEventListener("click", function () { toggleSheet(!sheet.classList.contains("open")); });

  // Let the last answers reach the server (within the grace period) before the submission does.
  function submitAfterSaves() {
    flush();
    var waited = 0;
    (function wait() {
      if (!pending || waited > 5000) { form.submit(); return; }
      waited += 100;
      setTimeout(wait, 100);
    })();
  }

  // Countdown from the server's remaining seconds; the server re-checks the deadline on every request.
  var endsAt = Date.now() + state.remaining_seconds * 1000;
  function tick() {
    var left = Math.max(0, Math.round((endsAt - Date.now()) / 1000));
    var m = Math.floor(left / 60), s = left % 60;
    countdownEl.textContent = (m < 10 ? "0" : "") + m + ":" + (s < 10 ? "0" : "") + s;
    if (left <= 0 && !submitting) {
      submitting = true;
      submitAfterSaves();
      return;
    }
    setTimeout(tick, 500);
  }
  tick();

  // 交卷: say how many questions are unanswered or flagged before the member confirms.
  var dialog = document.getElementById("submit-dialog");
  function finish() {
    if (submitting) return;
    submitting = true;
    store("flags", {});
    store("current", 0);
    submitAfterSaves();
  }
  form.addEventListener("submit", function (e) {
    if (submitting) return;
    e.preventDefault();
    var unanswered = sections.filter(function (sec) { return !answered(sec); }).length;
    var flagged = sections.filter(function (sec) { return flags[sec.dataset.item]; }).length;
    var parts = [];
    if (unanswered) parts.push("还有 " + unanswered + " 道题未作答");
    if (flagged) parts.push(flagged + " 道题标记待查");
    document.getElementById("submit-summary").textContent =
      (parts.length ? parts.join("，") : "全部 " + sections.length + " 道题均已作答") + "。";
    if (typeof dialog.showModal === "function") dialog.showModal();
    else if (window.confirm("确定交卷吗？" + document.getElementById("submit-summary").textContent)) finish();
  });
  document.getElementById("submit-cancel").addEventListener("click", function () { dialog.close(); });
  document.getElementById("submit-confirm").addEventListener("click", function () { dialog.close(); finish(); });

  // Typing that has not been sent yet goes out now, even if the page is being closed or reloaded.
  function flush() {
    Object.keys(timers).forEach(function (id) {
      clearTimeout(timers[id]);
      save(section(id), 0, true);
    });
  }
  window.addEventListener("pagehide", flush);
  // Reloading or closing the page hides it too; that is not 切屏.
  var unloading = false;
  window.addEventListener("beforeunload", function () { unloading = true; });

  // 切屏: every time the page is hidden during the test, tell the server.
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState !== "hidden") return;
    flush();
    if (submitting || unloading) return;
    post(form.dataset.leaveUrl).then(function (r) { return r.json(); }).then(function (data) {
      if (data.submitted) { submitting = true; window.location.href = data.result_url; }
      else if (state.max_tab_switches) setStatus("已记录切屏 " + data.tab_switches + " 次（上限 " + state.max_tab_switches + " 次）", true);
    }).catch(function () {});
  });
})();
