// The session page's help for failed tech-check items (support/): when the page saves a new
// tech check it fires "harbor:tech-check"; fetch the articles for the new result.
(function () {
  "use strict";
  document.addEventListener("harbor:tech-check", function () {
    var box = document.getElementById("trouble-articles");
    if (!box) { return; }
    fetch(box.getAttribute("data-url"), { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) { return; }
        var holder = document.createElement("div");
        holder.innerHTML = html;
        var fresh = holder.querySelector("#trouble-articles");
        if (fresh) { box.replaceWith(fresh); }
      })
      .catch(function () { /* keep the articles already shown */ });
  });
})();
