// Print buttons ([data-print]): a script file, since the Content-Security-Policy forbids inline
// handlers such as onclick.
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
})();
