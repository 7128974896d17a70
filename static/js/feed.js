// The staff live feed: one websocket per dashboard tab, reconnecting with backoff.
(function () {
  "use strict";
  var status = document.getElementById("feed-status");
  if (!status || !window.WebSocket) { return; }
  var label = status.querySelector(".feed-label");
  var list = document.getElementById("feed-events");
  var delay = 1000;
  // Close codes after which reconnecting cannot help: the session ended (iop/realtime/session_guard.py).
  var SIGNED_OUT = { 4401: "signed out", 4408: "signed out (session expired)" };

  function setState(state, text) {
    status.setAttribute("data-state", state);
    label.textContent = "Live feed: " + text;
  }

  function describe(message) {
    var p = message.payload || {};
    return p.title || p.summary || message.event;
  }

  function show(message) {
    document.dispatchEvent(new CustomEvent("harbor:feed", { detail: message }));
    if (!list) { return; }
    var empty = list.querySelector(".feed-empty");
    if (empty) { empty.remove(); }
    var item = document.createElement("li");
    item.className = "feed-item feed-" + message.event.replace(/[^a-z0-9_-]/gi, "-");
    item.setAttribute("data-event", message.event);
    var time = document.createElement("span");
    time.className = "feed-time";
    time.textContent = new Date(message.at).toLocaleTimeString();
    var text = document.createElement("span");
    text.textContent = describe(message);
    if (message.payload && message.payload.url) {
      var link = document.createElement("a");
      link.href = message.payload.url;
      link.appendChild(text);
      text = link;
    }
    item.appendChild(time);
    item.appendChild(text);
    list.insertBefore(item, list.firstChild);
  }

  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + window.location.host + "/ws/staff/");
    socket.onmessage = function (e) {
      var message = JSON.parse(e.data);
      if (message.event === "feed.connected") {
        delay = 1000;
        setState("connected", "connected");
        return;
      }
      if (message.event === "pong") { return; }
      show(message);
    };
    // A ping now and then lets the server re-check the session between its own timer checks.
    var pinger = setInterval(function () {
      if (socket.readyState === WebSocket.OPEN) { socket.send(JSON.stringify({ type: "ping" })); }
    }, 60000);
    socket.onclose = function (e) {
      clearInterval(pinger);
      if (SIGNED_OUT[e.code]) {
        setState("signed-out", SIGNED_OUT[e.code] + " (sign in again to resume)");
        return;
      }
      if (e.code === 4403) {
        setState("disconnected", "not allowed (sign in again with your second factor)");
        return;
      }
      setState("disconnected", "reconnecting…");
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
    };
  }
  connect();
})();
