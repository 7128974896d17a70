// A client's session page: whether the session is being recorded, live (session_page.js passes
// on its socket's "recording.changed" events). It never says who has not agreed.
(function () {
  "use strict";
  var indicator = document.getElementById("recording-indicator");
  if (!indicator) { return; }
  document.addEventListener("harbor:session-event", function (e) {
    var m = e.detail || {};
    if (m.type !== "recording.changed" || !m.payload) { return; }
    indicator.setAttribute("data-state", m.payload.recording ? m.payload.state : "none");
    indicator.textContent = m.payload.text;
    indicator.hidden = !m.payload.recording;
  });
})();
