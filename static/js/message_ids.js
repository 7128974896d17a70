// The page's own id for a chat message (session chat, live chat with support), so a double
// tap or a resend after a reconnect is stored once: Harbor de-duplicates by this id.
(function () {
  "use strict";
  window.harborMessageId = function () {
    var c = window.crypto;
    if (c && typeof c.randomUUID === "function") { return c.randomUUID(); }
    // randomUUID needs a secure context; getRandomValues does not.
    if (c && typeof c.getRandomValues === "function") {
      return Array.prototype.map.call(c.getRandomValues(new Uint8Array(16)), function (b) {
        return (b + 256).toString(16).slice(1);
      }).join("");
    }
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2) +
      Math.random().toString(36).slice(2);
  };
})();
