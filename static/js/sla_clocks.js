// Live SLA clocks on the support desk: each <time class="sla-clock" data-due> shows how long
// is left (or how late it is), and the page reloads when the live feed says a ticket changed.
(function () {
  "use strict";
  function words(ms) {
    var minutes = Math.round(Math.abs(ms) / 60000);
    if (minutes < 60) { return minutes + " min"; }
    var hours = Math.floor(minutes / 60);
    if (hours < 48) { return hours + " h " + (minutes % 60) + " min"; }
    return Math.round(hours / 24) + " days";
  }
  function tick() {
    var now = Date.now();
    document.querySelectorAll(".sla-clock[data-due]").forEach(function (el) {
      var due = Date.parse(el.getAttribute("data-due"));
      if (isNaN(due)) { return; }
      var left = due - now;
      el.classList.toggle("overdue", left < 0);
      el.classList.toggle("soon", left >= 0 && left < 15 * 60000);
      el.textContent = left < 0 ? "overdue by " + words(left) : "in " + words(left);
      el.title = new Date(due).toLocaleString();
    });
  }
  tick();
  setInterval(tick, 15000);

  var live = document.querySelector("[data-live-refresh='support']");
  if (!live) { return; }
  var ticketId = live.getAttribute("data-ticket-id");
  var pending = null;
  document.addEventListener("harbor:feed", function (e) {
    var m = e.detail || {};
    var event = m.event || "";
    if (event.indexOf("support.") !== 0 && event !== "notify.support") { return; }
    var p = m.payload || {};
    if (ticketId && p.ticket_id && String(p.ticket_id) !== ticketId) { return; }
    var typing = document.activeElement && /TEXTAREA|INPUT|SELECT/.test(document.activeElement.tagName);
    if (typing || pending) { return; }
    pending = setTimeout(function () { window.location.reload(); }, 1500);
  });
})();
