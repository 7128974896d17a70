// The client's session page: tech check, join (opens the video room, heartbeats over a
// websocket while it is open), leave, "I can't connect" and the text chat alternative.
// A link room (Jitsi, external) opens in a new window; a LiveKit room is on this page, and
// joining or leaving asks static/js/livekit_room.js to connect or disconnect it.
(function () {
  "use strict";
  var root = document.getElementById("session-page");
  if (!root) { return; }
  var csrf = root.querySelector("input[name=csrfmiddlewaretoken]").value;
  var sessionId = root.getAttribute("data-session-id");
  var heartbeatSeconds = parseInt(root.getAttribute("data-heartbeat"), 10) || 15;
  var joinButton = document.getElementById("join-button");
  var leaveButton = document.getElementById("leave-button");
  var presence = document.getElementById("presence-state");
  var socket = null, inRoom = false, beat = null, retry = 1000, pending = [];

  // --- tech check --------------------------------------------------------------------------
  function mark(name, state, text) {
    var el = root.querySelector('[data-check="' + name + '"] .check-state');
    if (el) { el.setAttribute("data-state", state); el.textContent = text; }
  }

  function stopAll(stream) { stream.getTracks().forEach(function (t) { t.stop(); }); }

  function stateOf(err) {
    var name = err && err.name;
    if (name === "NotAllowedError" || name === "SecurityError") { return "denied"; }
    if (name === "NotFoundError" || name === "OverconstrainedError") { return "unavailable"; }
    return "error";
  }

  function media() {
    var md = navigator.mediaDevices;
    if (!md || !md.getUserMedia) { return Promise.resolve({ camera: "unavailable", microphone: "unavailable" }); }
    return md.getUserMedia({ video: true, audio: true }).then(function (stream) {
      var found = { camera: stream.getVideoTracks().length ? "granted" : "unavailable",
                    microphone: stream.getAudioTracks().length ? "granted" : "unavailable" };
      stopAll(stream);
      return found;
    }).catch(function (err) {
      var camera = stateOf(err);
      // The camera may be what failed: ask for the microphone on its own.
      return md.getUserMedia({ audio: true }).then(function (stream) {
        stopAll(stream);
        return { camera: camera, microphone: "granted" };
      }).catch(function (err2) { return { camera: camera, microphone: stateOf(err2) }; });
    });
  }

  function webrtc() {
    if (typeof window.RTCPeerConnection !== "function") { return false; }
    try { var pc = new window.RTCPeerConnection(); pc.close(); return true; } catch (e) { return false; }
  }

  function speed() {
    var bytes = 1000000;
    var url = root.getAttribute("data-speedtest-url") + "?bytes=" + bytes + "&r=" + Date.now();
    var started = performance.now();
    return fetch(url, { cache: "no-store", credentials: "same-origin" }).then(function (r) {
      if (!r.ok) { throw new Error("speed test " + r.status); }
      return r.arrayBuffer();
    }).then(function (buffer) {
      var seconds = Math.max((performance.now() - started) / 1000, 0.001);
      return Math.round(buffer.byteLength * 8 / seconds / 1e5) / 10;
    }).catch(function () { return null; });
  }

  function showVerdict(result) {
    var verdict = document.getElementById("check-verdict");
    var list = document.getElementById("check-problems");
    list.textContent = "";
    (result.problems || []).forEach(function (p) {
      var li = document.createElement("li"); li.textContent = p; list.appendChild(li);
    });
    verdict.setAttribute("data-state", result.passed ? "passed" : "failed");
    verdict.textContent = result.passed ? "Tech check passed. You are ready to join."
      : "Tech check found problems (below). You can still join, or use the alternatives.";
    root.setAttribute("data-check", result.passed ? "passed" : "failed");
    // Others on the page (the help for failed items) refresh when a check is saved.
    if (result.id) { document.dispatchEvent(new CustomEvent("harbor:tech-check", { detail: result })); }
  }

  function runCheck() {
    ["camera", "microphone", "webrtc", "speed"].forEach(function (n) { mark(n, "pending", "…"); });
    var found = { webrtc: webrtc() };
    mark("webrtc", found.webrtc ? "ok" : "bad", found.webrtc ? "✓" : "✗");
    return Promise.all([media(), speed()]).then(function (parts) {
      found.camera = parts[0].camera; found.microphone = parts[0].microphone; found.download_mbps = parts[1];
      mark("camera", found.camera === "granted" ? "ok" : "bad", found.camera === "granted" ? "✓" : "✗");
      mark("microphone", found.microphone === "granted" ? "ok" : "bad", found.microphone === "granted" ? "✓" : "✗");
      mark("speed", found.download_mbps ? "ok" : "bad", found.download_mbps ? "✓" : "✗");
      document.getElementById("speed-value").textContent = found.download_mbps ? "(" + found.download_mbps + " Mbps)" : "";
      return fetch(root.getAttribute("data-tech-check-url"), {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
        body: JSON.stringify(found)
      });
    }).then(function (r) { return r.json(); }).then(showVerdict).catch(function () {
      showVerdict({ passed: false, problems: ["The check could not be saved; please try again."] });
    });
  }

  // --- presence ----------------------------------------------------------------------------
  function send(message) {
    if (socket && socket.readyState === WebSocket.OPEN) { socket.send(JSON.stringify(message)); }
    else { pending.push(message); }
  }

  function setPresence(state, text) {
    if (presence) { presence.setAttribute("data-state", state); presence.textContent = text; }
  }

  // --- chat lines --------------------------------------------------------------------------
  // Each line the client writes gets the page's own id and stays in chatPending, shown as
  // "sending…", until Harbor acknowledges it (chat_stored); the pending lines are sent again
  // after a reconnect. Harbor stores an id once, and a message_id is shown once: the echo to
  // every page of the client and the ack to this one may both arrive, in either order.
  var chatPending = [], shownMessages = {};

  function chatLine(from, text, mine) {
    var log = document.getElementById("chat-log");
    if (!log) { return null; }
    var li = document.createElement("li");
    var who = document.createElement("strong");
    who.textContent = from + ": ";
    li.appendChild(who);
    li.appendChild(document.createTextNode(text));
    if (mine) { li.className = "mine"; }
    log.appendChild(li);
    var help = document.getElementById("trouble-help");
    if (help) { help.hidden = false; }
    return li;
  }

  function lineState(line, state, text) {
    if (!line.item) { return; }
    var el = line.item.querySelector(".chat-state");
    if (!state) {
      line.item.removeAttribute("data-state");
      if (el) { el.parentNode.removeChild(el); }
      return;
    }
    if (!el) {
      el = document.createElement("span");
      el.className = "chat-state";
      line.item.appendChild(el);
    }
    line.item.setAttribute("data-state", state);
    el.textContent = " (" + text + ")";
  }

  function takePending(id) {
    for (var i = 0; i < chatPending.length; i++) {
      if (chatPending[i].id === id) { return chatPending.splice(i, 1)[0]; }
    }
    return null;
  }

  // The pending line `id` is stored as message `messageId`: it is shown, no longer sending.
  function settle(id, messageId, from) {
    var line = id ? takePending(id) : null;
    if (!line) { return false; }
    lineState(line, null);
    if (line.item) {
      line.item.setAttribute("data-message-id", messageId);
      if (from) { line.item.querySelector("strong").textContent = from + ": "; }
    }
    shownMessages[messageId] = true;
    return true;
  }

  function chatArrived(payload) {
    if (shownMessages[payload.message_id]) { return; }
    if (payload.from_client && settle(payload.client_message_id, payload.message_id, payload.from)) {
      return;
    }
    var li = chatLine(payload.from, payload.text, payload.from_client);
    if (li) { li.setAttribute("data-message-id", payload.message_id); }
    shownMessages[payload.message_id] = true;
  }

  function chatRefused(id, message) {
    var line = takePending(id);
    if (!line) { return false; }
    lineState(line, "failed", "not sent: " + message);
    return true;
  }

  function sendChat(line) {
    if (socket && socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify({ type: "chat", id: line.id, text: line.text }));
    }  // else sent when the socket opens, with every line still pending
  }

  function writeChat(text) {
    var line = { id: window.harborMessageId(), text: text, item: chatLine("You", text, true) };
    chatPending.push(line);
    lineState(line, "sending", "sending…");
    sendChat(line);
  }

  Array.prototype.forEach.call(document.querySelectorAll("#chat-log li[data-message-id]"),
    function (li) { shownMessages[li.getAttribute("data-message-id")] = true; });

  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + window.location.host + "/ws/sessions/" + sessionId + "/presence/");
    socket.onopen = function () {
      retry = 1000;
      if (inRoom) { socket.send(JSON.stringify({ type: "join" })); }
      while (pending.length) { socket.send(JSON.stringify(pending.shift())); }
      chatPending.forEach(sendChat);
    };
    socket.onmessage = function (e) {
      var m = JSON.parse(e.data);
      if (m.type === "joined") { setPresence("in", "You are in the session. Keep this page open."); }
      else if (m.type === "left") { setPresence("out", "You left the session."); }
      else if (m.type === "chat") { chatArrived(m.payload); }
      else if (m.type === "chat_stored") { settle(m.id, m.message_id); }
      else if (m.payload && m.type !== "error") {
        // Events of other apps (a recording's state) are for their panels on this page.
        document.dispatchEvent(new CustomEvent("harbor:session-event", { detail: m }));
      }
      else if (m.type === "error" && !(m.id && chatRefused(m.id, m.message))) {
        setPresence(inRoom ? "in" : "out", m.message);
      }
    };
    socket.onclose = function (e) {
      if (e.code === 4403) { setPresence("out", "Please sign in again to join."); return; }
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 15000);
    };
  }

  function startBeat() {
    stopBeat();
    beat = setInterval(function () { send({ type: "heartbeat" }); }, heartbeatSeconds * 1000);
  }

  function stopBeat() { if (beat) { clearInterval(beat); beat = null; } }

  // Harbor gives the room's address (and its token) only when asked to join: a recording the
  // client has not agreed to pauses first. A room opened as a link gets its window in the click,
  // so no popup blocker stops it, and is sent there once the address arrives; a LiveKit room on
  // the page connects with the token (static/js/livekit_room.js).
  function joined(room, entry) {
    if (entry.kind === "livekit") {
      document.dispatchEvent(new CustomEvent("harbor:room-join", {
        detail: { url: entry.room_url, token: entry.token }
      }));
    } else if (room) { room.opener = null; room.location.href = entry.room_url; }
    else if (entry.room_url) { window.open(entry.room_url, "harbor-room-" + sessionId, "noopener"); }
    inRoom = true;
    send({ type: "join" });
    startBeat();
    joinButton.hidden = true;
    if (leaveButton) { leaveButton.hidden = false; }
  }

  if (joinButton) {
    joinButton.addEventListener("click", function () {
      var link = root.getAttribute("data-room-kind") !== "livekit";
      var room = link ? window.open("", "harbor-room-" + sessionId) : null;
      setPresence("joining", "Joining…");
      fetch(root.getAttribute("data-join-url"), {
        method: "POST", credentials: "same-origin",
        headers: { "Accept": "application/json", "X-CSRFToken": csrf }
      }).then(function (r) {
        return r.json().then(function (body) { return { ok: r.ok, body: body }; });
      }).then(function (answer) {
        if (answer.ok && answer.body.kind) { joined(room, answer.body); return; }
        if (room) { room.close(); }
        var error = answer.body && answer.body.error;
        setPresence("out", (error && error.message) || "The room could not be opened. Please try again.");
      }).catch(function () {
        if (room) { room.close(); }
        setPresence("out", "The room could not be opened. Please try again.");
      });
    });
  }
  if (leaveButton) {
    leaveButton.addEventListener("click", function () {
      inRoom = false;
      stopBeat();
      send({ type: "leave" });
      document.dispatchEvent(new CustomEvent("harbor:room-leave"));
      leaveButton.hidden = true;
      joinButton.hidden = false;
    });
  }

  // --- trouble and chat --------------------------------------------------------------------
  // What other apps offered (support: a ticket), shown once each, as text and a link.
  function showOffers(offers) {
    var list = document.getElementById("trouble-offers");
    if (!list) { return; }
    offers.forEach(function (offer) {
      var id = "offer-" + offer.name;
      var item = document.getElementById(id) || document.createElement("li");
      item.id = id;
      item.textContent = offer.text + " ";
      if (offer.url) {
        var link = document.createElement("a");
        link.href = offer.url;
        link.textContent = offer.label || offer.url;
        item.appendChild(link);
      }
      if (!item.parentNode) { list.appendChild(item); }
    });
  }
  var troubleForm = document.getElementById("trouble-form");
  if (troubleForm) {
    troubleForm.addEventListener("submit", function (e) {
      e.preventDefault();
      fetch(troubleForm.action, {
        method: "POST", credentials: "same-origin",
        headers: { "Accept": "application/json", "X-CSRFToken": csrf }
      }).then(function (r) { return r.json(); }).then(function (body) {
        document.getElementById("trouble-help").hidden = false;
        showOffers((body && body.offers) || []);
      }).catch(function () { troubleForm.submit(); });
    });
  }
  var chatForm = document.getElementById("chat-form");
  if (chatForm) {
    chatForm.addEventListener("submit", function (e) {
      e.preventDefault();
      var input = document.getElementById("chat-text");
      if (input.value.trim()) { writeChat(input.value.trim()); input.value = ""; }
    });
  }

  var rerun = document.getElementById("rerun-check");
  if (rerun) { rerun.addEventListener("click", runCheck); }
  if (document.getElementById("tech-check")) { runCheck(); }
  connect();
})();
