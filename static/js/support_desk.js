// The support desk's live chat, over /ws/support/desk/: the queues of the agent's tiers, and
// one chat at a time in the pane (pick up, reply, hand to tier 2, end). Replies carry the
// page's own id so a double tap or a reconnect stores them once.
(function () {
  "use strict";
  var desk = document.getElementById("chat-desk");
  if (!desk || !window.WebSocket) { return; }
  var queueEl = document.getElementById("chat-queue");
  var countEl = document.getElementById("queue-count");
  var mineEl = document.getElementById("my-chats");
  var pane = document.getElementById("chat-pane");
  var paneLog = document.getElementById("pane-log");
  var paneForm = document.getElementById("pane-form");
  var paneText = document.getElementById("pane-text");
  var paneError = document.getElementById("pane-error");
  var paneTyping = document.getElementById("pane-typing");
  var paneCrisis = document.getElementById("pane-crisis");
  var socket = null, retry = 1000, current = null, pending = [], queues = {}, typingTimer = null;

  function send(message) {
    if (socket && socket.readyState === WebSocket.OPEN) { socket.send(JSON.stringify(message)); return true; }
    return false;
  }

  function waited(since) {
    var s = Math.max(0, Math.round((Date.now() - Date.parse(since)) / 1000));
    return s < 60 ? s + " s" : Math.floor(s / 60) + " min " + (s % 60) + " s";
  }

  function showQueue() {
    var chats = [];
    Object.keys(queues).forEach(function (t) { chats = chats.concat(queues[t]); });
    chats.sort(function (a, b) { return Date.parse(a.queued_at) - Date.parse(b.queued_at); });
    queueEl.textContent = "";
    countEl.textContent = chats.length;
    if (!chats.length) {
      var empty = document.createElement("li"); empty.className = "empty";
      empty.textContent = "No one is waiting."; queueEl.appendChild(empty); return;
    }
    chats.forEach(function (c) {
      var li = document.createElement("li");
      li.setAttribute("data-chat-id", c.id);
      var label = document.createElement("span");
      label.textContent = c.requester + (c.session ? " · " + c.session : "") + " · tier " + c.tier +
        " · " + c.priority + " · waiting ";
      var clock = document.createElement("span");
      clock.className = "waited"; clock.setAttribute("data-since", c.queued_at);
      clock.textContent = waited(c.queued_at);
      var pick = document.createElement("button");
      pick.type = "button"; pick.className = "button primary"; pick.textContent = "Pick up";
      pick.setAttribute("data-pick", c.id);
      li.appendChild(label); li.appendChild(clock); li.appendChild(document.createTextNode(" "));
      li.appendChild(pick);
      queueEl.appendChild(li);
    });
  }

  function addMine(chat) {
    if (mineEl.querySelector('[data-open="' + chat.id + '"]')) { return; }
    var empty = mineEl.querySelector(".empty");
    if (empty) { empty.parentNode.removeChild(empty); }
    var li = document.createElement("li");
    var b = document.createElement("button");
    b.type = "button"; b.className = "button"; b.setAttribute("data-open", chat.id);
    b.textContent = chat.requester;
    li.appendChild(b); mineEl.appendChild(li);
  }

  function showLine(line) {
    var li = paneLog.querySelector('li[data-line-id="' + line.id + '"]') ||
      (line.client_id && paneLog.querySelector('li[data-client-id="' + line.client_id + '"]'));
    if (!li) { li = document.createElement("li"); paneLog.appendChild(li); }
    li.setAttribute("data-line-id", line.id);
    if (line.client_id) { li.setAttribute("data-client-id", line.client_id); }
    li.removeAttribute("data-state");
    li.className = line.kind + (line.from_requester ? "" : " mine") + (line.crisis ? " crisis" : "");
    li.textContent = "";
    var who = document.createElement("strong"); who.textContent = line.author + ": ";
    var text = document.createElement("span"); text.className = "text"; text.textContent = line.text;
    li.appendChild(who); li.appendChild(text);
    if (!line.from_requester && line.kind === "message") {
      var mark = document.createElement("span"); mark.className = "mark";
      mark.textContent = line.delivered ? " delivered" : " sent"; li.appendChild(mark);
    }
    if (line.from_requester && line.kind === "message") {
      send({ type: "seen", chat: current, lines: [line.id] });
      paneTyping.hidden = true;
    }
  }

  function showChat(chat) {
    if (!chat) { return; }
    if (chat.status === "active") { addMine(chat); }
    current = chat.id;
    pane.hidden = false;
    document.getElementById("pane-requester").textContent = chat.requester;
    document.getElementById("pane-context").textContent =
      (chat.session ? "About " + chat.session + ". " : "") + (chat.from_page ? "Started from " + chat.from_page + ". " : "") +
      chat.status_label + ", tier " + chat.tier + ", " + chat.priority + ".";
    var ticket = document.getElementById("pane-ticket");
    if (chat.ticket) {
      ticket.hidden = false;
      var link = document.getElementById("pane-ticket-link");
      link.href = "/staff/support/tickets/" + chat.ticket + "/";
      link.querySelector("span").textContent = chat.ticket;
    }
    var open = chat.status === "active";
    paneForm.querySelectorAll("button, textarea").forEach(function (el) { el.disabled = !open; });
    document.getElementById("pane-handoff").hidden = chat.tier !== 1;
    if (chat.lines) { paneLog.textContent = ""; chat.lines.forEach(showLine); }
    if (chat.crisis) { showCrisis("Crisis words in this chat. Harbor has alerted the client's care team. Stay with the client and give them 988 and the clinic's 24/7 line."); }
  }

  function showCrisis(text) { paneCrisis.textContent = text; paneCrisis.hidden = false; }

  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + window.location.host + "/ws/support/desk/");
    socket.onopen = function () {
      retry = 1000;
      pending.forEach(function (m) { socket.send(JSON.stringify(m)); });
      if (current) { send({ type: "open", chat: current }); }
    };
    socket.onmessage = function (e) {
      var m = JSON.parse(e.data);
      if (m.type === "queues") {
        queues = {};
        m.tiers.forEach(function (t) { queues[t] = []; });
        m.chats.forEach(function (c) { queues[c.tier].push(c); });
        showQueue();
        m.mine.forEach(addMine);
      } else if (m.type === "queue") { queues[m.tier] = m.chats; showQueue(); }
      else if (m.type === "state") {
        if (m.chat && m.chat.id === current) { showChat(m.chat); }
        else if (m.chat && m.chat.status === "active") { addMine(m.chat); }
      } else if (m.type === "line") { if (m.chat === current) { showLine(m.line); } }
      else if (m.type === "stored") {
        pending = pending.filter(function (p) { return p.id !== m.id; });
      } else if (m.type === "delivered") {
        m.lines.forEach(function (id) {
          var li = paneLog.querySelector('li[data-line-id="' + id + '"]'), mark = li && li.querySelector(".mark");
          if (mark) { mark.textContent = " delivered"; }
        });
      } else if (m.type === "typing") {
        if (m.chat === current) {
          paneTyping.hidden = false; clearTimeout(typingTimer);
          typingTimer = setTimeout(function () { paneTyping.hidden = true; }, 4000);
        }
      } else if (m.type === "crisis") { if (m.chat === current) { showCrisis(m.text); } }
      else if (m.type === "error") {
        paneError.textContent = (m.field ? m.field + ": " : "") + m.message; paneError.hidden = false;
      }
    };
    socket.onclose = function (e) {
      if (e.code === 4401 || e.code === 4408 || e.code === 4403) { paneError.textContent = "Signed out."; paneError.hidden = false; return; }
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 15000);
    };
  }

  desk.addEventListener("click", function (e) {
    var pick = e.target.getAttribute("data-pick"), open = e.target.getAttribute("data-open");
    if (pick) { paneError.hidden = true; current = parseInt(pick, 10); paneLog.textContent = ""; send({ type: "pick", chat: current }); }
    if (open) { current = parseInt(open, 10); send({ type: "open", chat: current }); }
  });
  paneForm.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = paneText.value.trim();
    if (!text || !current) { return; }
    paneText.value = "";
    paneError.hidden = true;
    var id = window.harborMessageId();
    var li = document.createElement("li");
    li.setAttribute("data-client-id", id); li.setAttribute("data-state", "sending");
    li.className = "message mine"; li.textContent = "You: " + text + " (sending…)";
    paneLog.appendChild(li);
    var message = { type: "say", chat: current, id: id, text: text };
    pending.push(message);
    send(message);
  });
  paneText.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); paneForm.requestSubmit(); return; }
    if (current) { send({ type: "typing", chat: current }); }
  });
  document.getElementById("pane-handoff").addEventListener("click", function () {
    if (current) { send({ type: "handoff", chat: current }); }
  });
  document.getElementById("pane-end").addEventListener("click", function () {
    if (current) { send({ type: "end", chat: current }); }
  });
  setInterval(function () {
    queueEl.querySelectorAll(".waited").forEach(function (el) { el.textContent = waited(el.getAttribute("data-since")); });
  }, 1000);
  var initial = document.getElementById("chat-snapshot");
  if (initial) {
    var snap = JSON.parse(initial.textContent);
    snap.tiers.forEach(function (t) { queues[t] = []; });
    snap.chats.forEach(function (c) { queues[c.tier].push(c); });
    showQueue();
  }
  connect();
})();
