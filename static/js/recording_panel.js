// The staff session page's recording box follows the live feed ("recording.changed").
(function () {
  "use strict";
  var panel = document.getElementById("recording-panel");
  if (!panel || window.harborRecordingPanel) { return; }
  window.harborRecordingPanel = true;
  var sessionId = panel.getAttribute("data-session-id");
  var state = document.getElementById("recording-state");
  var alert = document.getElementById("recording-alert");
  var startForm = document.getElementById("recording-start-form");
  var stopForm = document.getElementById("recording-stop-form");

  document.addEventListener("harbor:feed", function (e) {
    var message = e.detail || {};
    var payload = message.payload || {};
    if (message.event !== "recording.changed" || String(payload.session_id) !== sessionId) { return; }
    var active = payload.state === "recording" || payload.state === "paused";
    state.setAttribute("data-state", active ? payload.state : "none");
    state.textContent = active ? payload.text : payload.text + ".";
    if (alert) { alert.textContent = payload.alert || ""; alert.hidden = !payload.alert; }
    if (startForm) { startForm.hidden = active; }
    if (stopForm) { stopForm.hidden = !active; }
  });
})();
