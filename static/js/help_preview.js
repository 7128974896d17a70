// The admin's help-article form: a live preview of the Markdown body, rendered and sanitised
// by the server exactly as saving would render it (support/admin.py, preview/).
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var body = document.querySelector("textarea[data-preview]");
    var preview = document.getElementById("help-preview");
    var token = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (!body || !preview || !token) { return; }
    var timer = null;
    function refresh() {
      var data = new FormData();
      data.append("body", body.value);
      fetch(preview.getAttribute("data-url"), {
        method: "POST", credentials: "same-origin", body: data,
        headers: { "X-CSRFToken": token.value }
      }).then(function (r) { return r.ok ? r.json() : null; })
        .then(function (found) { if (found) { preview.innerHTML = found.html; } })
        .catch(function () { /* keep the last preview */ });
    }
    body.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(refresh, 400);
    });
    refresh();
  });
})();
