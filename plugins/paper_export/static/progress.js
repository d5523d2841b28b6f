// Follows the batches being made: updates each progress bar until the PDF is ready.
(function () {
  var rows = document.querySelectorAll("[data-batch-status=queued], [data-batch-status=running]");
  rows.forEach(function (row) {
    var url = row.getAttribute("data-status-url");
    function tick() {
      fetch(url, {credentials: "same-origin"}).then(function (r) { return r.json(); }).then(function (b) {
        var bar = row.querySelector("progress");
        if (bar) { bar.value = b.percent; }
        var text = row.querySelector(".pct");
        if (text) { text.textContent = b.percent + "%"; }
        if (b.status === "done" || b.status === "failed") { window.location.reload(); return; }
        setTimeout(tick, 1000);
      }).catch(function () { setTimeout(tick, 3000); });
    }
    tick();
  });
})();
