/* Study activity tracker (学时计时). Reports activity while the page is visible and the
 * member is active; the server decides what counts. No dependencies, no CDN. */
(function () {
  "use strict";

  var EVENTS = ["scroll", "keydown", "pointermove", "pointerdown", "touchstart", "wheel"];

  function fmt(seconds) {
    seconds = Math.max(0, Math.floor(seconds));
    var m = Math.floor(seconds / 60), s = seconds % 60;
    return m + " 分 " + (s < 10 ? "0" : "") + s + " 秒";
  }

  function Tracker(root) {
    this.root = root;
    this.pageId = parseInt(root.getAttribute("data-study-page"), 10);
    this.startUrl = root.getAttribute("data-start-url");
    this.reportUrl = root.getAttribute("data-report-url");
    this.csrf = root.getAttribute("data-csrf");
    this.bar = root.querySelector(".study-bar");
    this.text = root.querySelector(".study-text");
    this.state = root.querySelector(".study-state");
    this.idleBox = root.querySelector(".study-idle");
    this.takeover = root.querySelector(".study-takeover");
    this.video = document.querySelector("video[data-study-video]") || document.querySelector("main video");
    this.session = null;
    this.seq = 0;
    this.interval = 15;
    this.idle = 300;
    this.activeMs = 0;
    this.sinceReport = 0;
    this.lastActivity = Date.now();
    this.lastTick = Date.now();
    this.paused = false;
    this.stopped = false;
    this.completed = root.getAttribute("data-completed") === "1";
    this.sending = false;
    this.videoMax = 0;
  }

  Tracker.prototype.post = function (url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": this.csrf },
      body: JSON.stringify(body)
    }).then(function (r) {
      return r.json().then(function (data) { return { ok: r.ok, data: data }; });
    });
  };

  Tracker.prototype.show = function (d) {
    var percent = d.completed ? 100 : Math.min(100, d.percent || 0);
    this.bar.style.width = percent + "%";
    this.bar.parentNode.setAttribute("aria-valuenow", String(percent));
    if (d.completed) {
      this.text.textContent = "已完成，学时已计入学习档案";
      this.root.classList.add("is-complete");
    } else {
      this.text.textContent = "已学习 " + fmt(d.seconds) + "，需 " + fmt(d.required) + "（" + percent + "%）";
    }
  };

  Tracker.prototype.setState = function (message) { this.state.textContent = message || ""; };

  Tracker.prototype.start = function () {
    var self = this;
    return this.post(this.startUrl, { page: this.pageId }).then(function (res) {
      if (!res.ok) { self.stopped = true; self.setState(res.data.error || "无法开始计时"); return; }
      var d = res.data;
      self.session = d.session; self.token = d.token; self.seq = d.seq;
      self.interval = d.interval; self.idle = d.idle; self.videoMax = d.video_watched || 0;
      self.completed = d.completed; self.stopped = false; self.activeMs = 0; self.sinceReport = 0;
      self.takeover.hidden = true;
      self.show(d);
      self.setState(d.completed ? "" : "计时中");
    }).catch(function () { self.setState("网络异常，稍后重试"); });
  };

  Tracker.prototype.videoPlaying = function () {
    var v = this.video;
    return !!v && !v.paused && !v.ended && v.playbackRate <= 1;
  };

  Tracker.prototype.activeWindowMs = function () {
    return Math.max(this.interval * 4, 30) * 1000;
  };

  Tracker.prototype.tick = function () {
    var now = Date.now(), dt = Math.min(now - this.lastTick, 1500);
    this.lastTick = now;
    if (!this.session || this.paused || this.stopped || this.completed) return;
    var visible = document.visibilityState === "visible";
    var quiet = now - this.lastActivity;
    if (visible && !this.videoPlaying() && quiet > this.idle * 800) {
      this.paused = true;
      this.idleBox.hidden = false;
      this.setState("已暂停计时");
      return;
    }
    if (visible && (quiet < this.activeWindowMs() || this.videoPlaying())) this.activeMs += dt;
    this.sinceReport += dt;
    if (this.sinceReport >= this.interval * 1000 && this.activeMs > 0 && !this.sending) this.report();
  };

  Tracker.prototype.report = function () {
    var self = this;
    var body = { session: this.session, token: this.token, seq: ++this.seq, active: this.activeMs / 1000 };
    if (this.video) { body.video_position = this.video.currentTime; body.video_rate = this.video.playbackRate; }
    this.activeMs = 0; this.sinceReport = 0; this.sending = true;
    this.post(this.reportUrl, body).then(function (res) {
      self.sending = false;
      var d = res.data;
      if (!res.ok) { self.stopped = true; self.setState(d.error || "计时已停止"); return; }
      self.show(d);
      if (typeof d.video_watched === "number") self.videoMax = Math.max(self.videoMax, d.video_watched);
      if (d.status === "superseded") {
        self.stopped = true; self.takeover.hidden = false; self.setState(d.message);
      } else if (d.status === "seek_back" && self.video) {
        self.video.currentTime = d.video_watched; self.setState(d.message);
      } else if (d.completed) {
        self.completed = true; self.setState(d.completed_now ? "恭喜，本课已完成" : "");
        self.root.dispatchEvent(new CustomEvent("study:complete", { bubbles: true, detail: d }));
      } else {
        self.setState(d.message || "计时中");
      }
    }).catch(function () { self.sending = false; self.setState("网络异常，稍后重试"); });
  };

  Tracker.prototype.bind = function () {
    var self = this;
    var onActivity = function () { self.lastActivity = Date.now(); };
    EVENTS.forEach(function (name) { window.addEventListener(name, onActivity, { passive: true }); });
    this.idleBox.querySelector("button").addEventListener("click", function () {
      self.idleBox.hidden = true; self.paused = false; self.lastActivity = Date.now(); self.setState("计时中");
    });
    this.takeover.querySelector("button").addEventListener("click", function () { self.start(); });
    var v = this.video;
    if (v) {
      v.addEventListener("timeupdate", function () {
        if (!v.seeking && v.currentTime > self.videoMax && v.currentTime - self.videoMax < 2) self.videoMax = v.currentTime;
      });
      v.addEventListener("seeking", function () {
        if (v.currentTime > self.videoMax + 1) { v.currentTime = self.videoMax; self.setState("不能跳过未观看的视频内容"); }
      });
      v.addEventListener("ratechange", function () {
        if (v.playbackRate > 1) self.setState("倍速播放不计入学时");
      });
    }
    setInterval(function () { self.tick(); }, 1000);
  };

  function boot() {
    var nodes = document.querySelectorAll("[data-study-page]");
    for (var i = 0; i < nodes.length; i++) {
      if (nodes[i].getAttribute("data-bound")) continue;
      nodes[i].setAttribute("data-bound", "1");
      var tracker = new Tracker(nodes[i]);
      tracker.bind();
      // Completed items are not timed again (the server agrees: it opens no session for them).
      if (!tracker.completed) tracker.start();
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot);
  else boot();
})();
