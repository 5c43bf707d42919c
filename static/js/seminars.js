/* Seminars: autosave of the 心得 draft, reply-to on the thread. No inline handlers (CSP). */
(function () {
  "use strict";

  function csrfToken(form) {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  // --- 心得 autosave: a few seconds after typing stops, and when the page is hidden ---
  var form = document.getElementById("reflection-form");
  if (form && form.dataset.autosave) {
    var area = form.querySelector("textarea[name=draft]");
    var state = document.getElementById("autosave-state");
    var length = document.getElementById("draft-length");
    var timer = null;
    var saved = area.defaultValue;  // what the server has: text typed before this script ran is unsaved

    var save = function () {
      timer = null;
      if (area.value === saved) return;
      var text = area.value;
      var body = new URLSearchParams();
      body.set("draft", text);
      state.textContent = "正在保存…";
      fetch(form.dataset.autosave, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(form), "Content-Type": "application/x-www-form-urlencoded" },
        body: body.toString(),
      })
        .then(function (r) { return r.json().then(function (data) { return { ok: r.ok, data: data }; }); })
        .then(function (res) {
          if (res.ok && res.data.saved) {
            saved = text;
            state.textContent = "草稿已自动保存 " + res.data.at;
          } else {
            state.textContent = (res.data && res.data.error) || "自动保存失败";
          }
        })
        .catch(function () { state.textContent = "网络异常，草稿未保存"; });
    };

    area.addEventListener("input", function () {
      if (length) length.textContent = area.value.replace(/\s+/g, "").length;
      if (timer) clearTimeout(timer);
      timer = setTimeout(save, 2000);
    });
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden") save();
    });
    if (area.value !== saved) timer = setTimeout(save, 2000);
  }

  // --- reply to a post (one level) ---
  var parent = document.getElementById("post-parent");
  var replyTo = document.getElementById("reply-to");
  var bodyField = document.getElementById("post-body");
  document.querySelectorAll(".reply-link").forEach(function (link) {
    link.addEventListener("click", function (event) {
      if (!parent) return;
      event.preventDefault();
      parent.value = link.dataset.reply;
      replyTo.hidden = false;
      replyTo.firstChild.textContent = "回复 " + link.dataset.name + " ";
      bodyField.focus();
    });
  });
  var cancel = document.getElementById("reply-cancel");
  if (cancel) {
    cancel.addEventListener("click", function () {
      parent.value = "";
      replyTo.hidden = true;
    });
  }
})();
