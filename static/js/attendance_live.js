// Staff pages: attendance cells follow the live feed (feed.js re-dispatches each event).
(function () {
  "use strict";
  if (window.harborAttendanceLive) { return; }
  window.harborAttendanceLive = true;

  function rows(payload) {
    return document.querySelectorAll('.session-roster[data-session-id="' + payload.session_id +
      '"] tr[data-client-id="' + payload.client_id + '"]');
  }

  function setStatus(row, payload) {
    var cell = row.querySelector(".att-cell");
    if (!cell) { return; }
    cell.textContent = "";
    var status = document.createElement("span");
    status.className = "att-status";
    status.setAttribute("data-status", payload.status);
    status.textContent = payload.status_label;
    cell.appendChild(status);
    if (payload.in_room) {
      var tag = document.createElement("span");
      tag.className = "tag ok in-room";
      tag.textContent = "in the room";
      cell.appendChild(document.createTextNode(" "));
      cell.appendChild(tag);
    }
    var minutes = row.querySelector(".minutes-cell");
    if (minutes && payload.minutes !== undefined) { minutes.textContent = payload.minutes; }
  }

  document.addEventListener("harbor:feed", function (e) {
    var message = e.detail || {};
    var payload = message.payload || {};
    if (message.event === "attendance.changed" || message.event === "session.missed") {
      rows(payload).forEach(function (row) {
        setStatus(row, payload);
        if (message.event === "session.missed" && payload.outreach) {
          var cell = row.querySelector(".outreach-cell");
          if (cell) { cell.textContent = "“We missed you” " + (payload.outreach === "sms" ? "text" : "email") + ": queued"; }
        }
      });
    } else if (message.event === "sessions.engagement_alert") {
      var list = document.querySelector("#engagement-alerts ul, #engagement-alerts p");
      var section = document.getElementById("engagement-alerts");
      if (section) {
        var note = document.createElement("p");
        note.className = "note";
        note.textContent = payload.title;
        section.insertBefore(note, section.children[1] || null);
      }
      if (list) { list.setAttribute("data-updated", "1"); }
    }
  });
})();
