// The client's help page: where their request for help stands, live. A websocket
// (/ws/crisis/help/<id>/) brings each change; while it is down the page asks the server every
// few seconds instead (crisis:help_state), so the words on screen are never stale for long.
(function () {
  "use strict";
  var box = document.getElementById("help-status");
  if (!box || !box.getAttribute("data-socket-path")) { return; }
  var headline = box.querySelector(".help-headline");
  var detail = box.querySelector(".help-detail");
  var noted = box.querySelector(".help-mistake-noted");
  var mistake = document.getElementById("help-mistake");
  var stateUrl = box.getAttribute("data-state-url");
  var POLL_MS = 5000;
  var delay = 1000;
  var poller = null;
  var FINAL = { 4401: 1, 4403: 1, 4408: 1 }; // signed out, not yours, session expired

  function show(state) {
    if (!state) { return; }
    var changed = box.getAttribute("data-state") !== state.state;
    box.setAttribute("data-state", state.state);
    if (changed || headline.textContent !== state.headline) { headline.textContent = state.headline; }
    if (detail.textContent !== state.detail) { detail.textContent = state.detail; }
    if (noted) { noted.hidden = !state.mistake_noted; }
    if (mistake && !state.open) { mistake.hidden = true; }
    if (!state.open) { stopPolling(); }
  }

  function poll() {
    fetch(stateUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(show)
      .catch(function () { /* offline: try again at the next poll */ });
  }

  function startPolling() {
    box.setAttribute("data-live", "polling");
    if (!poller) { poller = setInterval(poll, POLL_MS); poll(); }
  }

  function stopPolling() {
    if (poller) { clearInterval(poller); poller = null; }
  }

  function connect() {
    if (!window.WebSocket) { startPolling(); return; }
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + window.location.host + box.getAttribute("data-socket-path"));
    box.setAttribute("data-live", "connecting");
    socket.onmessage = function (e) {
      var message = JSON.parse(e.data);
      if (message.type === "state") {
        delay = 1000;
        box.setAttribute("data-live", "socket");
        stopPolling();
        show(message.state);
      }
    };
    socket.onclose = function (e) {
      startPolling();
      if (FINAL[e.code]) { return; }
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
    };
  }
  connect();
})();
