// Small behaviours of the shell, declared in markup (the Content-Security-Policy allows no
// inline scripts or on* attributes): <button data-print> prints the page, a <select
// data-autosubmit> submits its form when changed.
(function () {
  "use strict";
  document.addEventListener("click", function (ev) {
    var el = ev.target.closest ? ev.target.closest("[data-print]") : null;
    if (el) { ev.preventDefault(); window.print(); }
  });
  document.addEventListener("change", function (ev) {
    var el = ev.target;
    if (el && el.matches && el.matches("select[data-autosubmit]") && el.form) { el.form.submit(); }
  });
})();
