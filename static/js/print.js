/* Print buttons: any element with data-print opens the browser's print dialog (no inline handlers,
   which the Content-Security-Policy forbids). */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var target = event.target.closest ? event.target.closest("[data-print]") : null;
    if (target) { event.preventDefault(); window.print(); }
  });
})();
