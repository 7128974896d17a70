// The supervisor's "Open crises in your program" panel: it reloads itself whenever the live
// feed brings news of a crisis (feed.js dispatches "harbor:feed"), and the times since each
// signal count up every second in between.
(function () {
  "use strict";
  var RELOAD_ON = /^crisis\./;
  var pending = null;

  function panel() { return document.getElementById("open-crises"); }

  function words(seconds) {
    seconds = Math.max(0, Math.floor(seconds));
    var d = Math.floor(seconds / 86400), h = Math.floor(seconds % 86400 / 3600);
    var m = Math.floor(seconds % 3600 / 60), s = seconds % 60;
    if (d) { return d + " d " + h + " h"; }
    if (h) { return h + " h " + m + " min"; }
    if (m) { return m + " min " + s + " s"; }
    return s + " s";
  }

  function tick() {
    var box = panel();
    if (!box) { return; }
    box.querySelectorAll(".elapsed[data-since]").forEach(function (el) {
      var since = Date.parse(el.getAttribute("data-since"));
      if (!isNaN(since)) { el.textContent = words((Date.now() - since) / 1000); }
    });
  }

  function reload() {
    var box = panel();
    if (!box) { return; }
    fetch(box.getAttribute("data-url"), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) { return; }
        var holder = document.createElement("div");
        holder.innerHTML = html;
        var fresh = holder.querySelector("#open-crises");
        if (fresh) { box.replaceWith(fresh); tick(); }
      })
      .catch(function () { /* the next feed event or the next page load tries again */ });
  }

  document.addEventListener("harbor:feed", function (e) {
    var message = e.detail || {};
    if (!RELOAD_ON.test(message.event || "")) { return; }
    // Several events in a burst (a step and its alerts) cause one reload.
    if (pending) { clearTimeout(pending); }
    pending = setTimeout(function () { pending = null; reload(); }, 150);
  });
  if (!window.harborOversightTicking) {
    window.harborOversightTicking = true;
    setInterval(tick, 1000);
  }
})();
