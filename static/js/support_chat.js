// A client's live chat with tech support, over /ws/support/chat/.
// Each message gets the page's own id and stays "sending…" until Harbor acknowledges it
// ("stored"); unacknowledged messages are sent again after a reconnect, and Harbor stores an
// id once. A line is shown once, whichever of the echo and the ack arrives first.
(function () {
  "use strict";
  var root = document.getElementById("support-chat");
  if (!root || !window.WebSocket) { return; }
  var log = document.getElementById("support-chat-log");
  var form = document.getElementById("support-chat-form");
  var input = document.getElementById("support-chat-text");
  var statusEl = document.getElementById("chat-status");
  var waitEl = document.getElementById("chat-wait");
  var typingEl = document.getElementById("chat-typing");
  var errorEl = document.getElementById("chat-error");
  var offlineEl = document.getElementById("chat-offline");
  var endButton = document.getElementById("support-chat-end");
  var ticketEl = document.getElementById("chat-ticket");
  var helpEl = document.getElementById("chat-help");
  var sessionId = root.getAttribute("data-session") || "";
  var page = root.getAttribute("data-page") || "";
  var socket = null, retry = 1000, pending = [], chatId = null, typingTimer = null;
  var NEW_CHAT = "This chat is over. Write below to start a new one.";
  var SIGNED_OUT = { 4401: "You were signed out.", 4408: "Your session expired.", 4403: "Please sign in again." };

  function byLine(id) { return log.querySelector('li[data-line-id="' + id + '"]'); }
  function byClient(id) { return id ? log.querySelector('li[data-client-id="' + id + '"]') : null; }

  function render(li, line) {
    li.textContent = "";
    li.className = line.kind + (line.from_requester ? " mine" : "") + (line.crisis ? " crisis" : "");
    var who = document.createElement("strong");
    who.textContent = (line.from_requester && line.kind === "message" ? "You" : line.author) + ": ";
    var text = document.createElement("span");
    text.className = "text";
    text.textContent = line.text;
    li.appendChild(who);
    li.appendChild(text);
    if (line.from_requester) {
      var mark = document.createElement("span");
      mark.className = "mark";
      mark.textContent = line.delivered ? " delivered" : " sent";
      li.appendChild(mark);
    }
  }

  function showLine(line) {
    var li = byLine(line.id) || byClient(line.client_id);
    if (!li) { li = document.createElement("li"); log.appendChild(li); }
    li.setAttribute("data-line-id", line.id);
    if (line.client_id) { li.setAttribute("data-client-id", line.client_id); }
    render(li, line);
    if (line.crisis && helpEl) { helpEl.hidden = false; }
    if (!line.from_requester && line.kind === "message") {
      send({ type: "seen", chat: chatId, lines: [line.id] });
      if (typingEl) { typingEl.hidden = true; }
    }
  }

  function showState(chat) {
    if (!chat) { statusEl.textContent = "Write your first message to start a chat."; return; }
    chatId = chat.id;
    var open = chat.status === "waiting" || chat.status === "active";
    // The agent's name while they are in the chat; after it ends "Ended: <name>" reads oddly.
    var text = chat.status_label + (chat.agent && chat.status === "active" ? ": " + chat.agent : "");
    statusEl.textContent = text;
    waitEl.textContent = chat.wait_text || (open ? "" : NEW_CHAT);
    endButton.hidden = !open;
    if (chat.ticket) {
      ticketEl.hidden = false;
      var link = document.getElementById("chat-ticket-link");
      link.href = "/support/tickets/" + chat.ticket + "/";
      link.querySelector("span").textContent = chat.ticket;
    }
    if (chat.lines) { chat.lines.forEach(showLine); }
    if (chat.crisis && helpEl) { helpEl.hidden = false; }
  }

  function send(message) {
    if (socket && socket.readyState === WebSocket.OPEN) { socket.send(JSON.stringify(message)); return true; }
    return false;
  }

  function say(text) {
    var id = window.harborMessageId();
    var li = document.createElement("li");
    li.setAttribute("data-client-id", id);
    li.className = "message mine";
    li.setAttribute("data-state", "sending");
    var who = document.createElement("strong");
    who.textContent = "You: ";
    var body = document.createElement("span");
    body.className = "text";
    body.textContent = text;
    var mark = document.createElement("span");
    mark.className = "mark";
    mark.textContent = " sending…";
    li.appendChild(who); li.appendChild(body); li.appendChild(mark);
    log.appendChild(li);
    var message = { type: "say", id: id, text: text, session: sessionId, page: page };
    pending.push(message);
    send(message);
  }

  function settle(id) {
    pending = pending.filter(function (m) { return m.id !== id; });
    var li = byClient(id);
    if (li && li.getAttribute("data-state") === "sending") {
      li.removeAttribute("data-state");
      var mark = li.querySelector(".mark");
      if (mark) { mark.textContent = " sent"; }
    }
  }

  function fail(message) {
    errorEl.textContent = (message.field ? message.field + ": " : "") + message.message;
    errorEl.hidden = false;
    if (message.field === "text") {
      // A refused message is not sent again; it is marked on the page.
      var last = pending.pop();
      var li = last ? byClient(last.id) : null;
      if (li) { li.setAttribute("data-state", "failed"); li.querySelector(".mark").textContent = " not sent"; }
    }
  }

  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + window.location.host + "/ws/support/chat/");
    socket.onopen = function () {
      retry = 1000;
      offlineEl.hidden = true;
      pending.forEach(function (m) { socket.send(JSON.stringify(m)); });
    };
    socket.onmessage = function (e) {
      var m = JSON.parse(e.data);
      if (m.type === "state") { showState(m.chat); }
      else if (m.type === "line") { showLine(m.line); }
      else if (m.type === "wait") { waitEl.textContent = m.wait_text; }
      else if (m.type === "stored") { errorEl.hidden = true; settle(m.id); chatId = m.chat; }
      else if (m.type === "delivered") {
        m.lines.forEach(function (id) {
          var li = byLine(id), mark = li && li.querySelector(".mark");
          if (mark) { mark.textContent = " delivered"; }
        });
      } else if (m.type === "typing") {
        typingEl.hidden = false;
        clearTimeout(typingTimer);
        typingTimer = setTimeout(function () { typingEl.hidden = true; }, 4000);
      } else if (m.type === "error") { fail(m); }
    };
    socket.onclose = function (e) {
      if (SIGNED_OUT[e.code]) { statusEl.textContent = SIGNED_OUT[e.code]; return; }
      offlineEl.hidden = false;
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 15000);
    };
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = input.value.trim();
    if (!text) { return; }
    input.value = "";
    say(text);
  });
  input.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); form.requestSubmit(); return; }
    send({ type: "typing" });
  });
  endButton.addEventListener("click", function () { send({ type: "end" }); });
  connect();
})();
