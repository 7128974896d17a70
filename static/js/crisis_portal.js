// Client crisis pages: share the browser's location after pressing "I need help now" (only
// rendered with location consent), and hide check-in questions a skip rule leaves out.
(function () {
  "use strict";
  var share = document.getElementById("share-location");
  if (share && navigator.geolocation) {
    share.hidden = false;
    var state = share.querySelector(".location-state");
    navigator.geolocation.getCurrentPosition(function (pos) {
      var body = new URLSearchParams();
      body.set("latitude", pos.coords.latitude);
      body.set("longitude", pos.coords.longitude);
      body.set("accuracy", pos.coords.accuracy || "");
      fetch(share.getAttribute("data-url"), {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": share.getAttribute("data-csrf") },
        body: body
      }).then(function (r) {
        state.textContent = r.ok ? "Your location was sent to your care team." : "Your location could not be sent.";
      }).catch(function () { state.textContent = "Your location could not be sent."; });
    }, function () {
      state.textContent = "Location not shared.";
    }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  }

  var form = document.getElementById("check-in-form");
  if (!form) { return; }
  function answer(name) {
    var checked = form.querySelector('input[name="' + name + '"]:checked');
    return checked ? checked.value : null;
  }
  function apply() {
    form.querySelectorAll("fieldset[data-shown-if]").forEach(function (fieldset) {
      var rule = fieldset.getAttribute("data-shown-if").split("=");
      var shown = answer(rule[0]) === rule[1];
      fieldset.hidden = !shown;
      if (!shown) {
        fieldset.querySelectorAll("input").forEach(function (input) { input.checked = false; });
      }
    });
  }
  form.addEventListener("change", apply);
  apply();
})();
