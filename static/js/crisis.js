// Staff crisis alerts: a visible banner and a sound for crisis.* events on the live feed.
// feed.js dispatches a "harbor:feed" DOM event for every message; this listens to it.
(function () {
  "use strict";
  var box = document.getElementById("crisis-banners");
  if (!box) { return; }
  var ALERTS = { "crisis.opened": 1, "crisis.escalated": 1, "crisis.raised_again": 1, "crisis.unacknowledged": 1 };
  var CLEARS = { "crisis.acknowledged": 1, "crisis.resolved": 1 };
  var audio = null;

  function beep(urgent) {
    // WebAudio, no sound file. Browsers allow it once the page has had a user gesture.
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      var times = urgent ? 3 : 2;
      for (var i = 0; i < times; i++) {
        var osc = audio.createOscillator();
        var gain = audio.createGain();
        osc.type = "square";
        osc.frequency.value = urgent ? 990 : 880;
        gain.gain.value = 0.08;
        osc.connect(gain);
        gain.connect(audio.destination);
        var start = audio.currentTime + i * 0.35;
        osc.start(start);
        osc.stop(start + 0.2);
      }
    } catch (e) { /* no audio: the banner still shows */ }
  }

  function banner(p, urgent) {
    var existing = box.querySelector('[data-event-id="' + p.event_id + '"]');
    if (existing) { existing.remove(); }
    var div = document.createElement("div");
    div.className = "crisis-banner" + (urgent ? " unacknowledged" : "");
    div.setAttribute("role", "alert");
    div.setAttribute("data-event-id", String(p.event_id));
    var text = document.createElement("span");
    text.className = "crisis-banner-text";
    var strong = document.createElement("strong");
    strong.textContent = (urgent ? "UNACKNOWLEDGED crisis #" : "Crisis #") + p.event_id + ": ";
    text.appendChild(strong);
    text.appendChild(document.createTextNode((p.client || "a client") + " (" + (p.source_label || p.source || "") + ")"));
    var link = document.createElement("a");
    link.className = "crisis-banner-link";
    link.href = p.url;
    link.textContent = "Open";
    var form = document.createElement("form");
    form.method = "post";
    form.action = p.url + "acknowledge/";
    form.className = "inline";
    [["csrfmiddlewaretoken", box.getAttribute("data-csrf")], ["next", box.getAttribute("data-next")]].forEach(function (pair) {
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = pair[0];
      input.value = pair[1] || "";
      form.appendChild(input);
    });
    var button = document.createElement("button");
    button.type = "submit";
    button.className = "button danger";
    button.textContent = "Acknowledge";
    form.appendChild(button);
    div.appendChild(text);
    div.appendChild(link);
    div.appendChild(form);
    box.insertBefore(div, box.firstChild);
  }

  document.addEventListener("harbor:feed", function (e) {
    var message = e.detail || {};
    var p = message.payload || {};
    if (!p.event_id) { return; }
    if (ALERTS[message.event]) {
      var urgent = message.event === "crisis.unacknowledged" || p.unacknowledged;
      banner(p, urgent);
      beep(urgent);
    } else if (CLEARS[message.event]) {
      var gone = box.querySelector('[data-event-id="' + p.event_id + '"]');
      if (gone) { gone.remove(); }
    }
  });
})();
