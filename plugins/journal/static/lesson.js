/* The lesson page on a phone: tap «н»/«б»/«у»/«о» or a mark next to a student's name.
 *
 * Every tap is shown at once and put into a queue kept in this browser (localStorage), then
 * sent through the JSON API in order. Each change carries its own Idempotency-Key, so a change
 * whose answer was lost with the connection is sent again without being saved twice. Without a
 * connection the queue waits (rows show "not yet saved") and is sent when the browser is online
 * again, also after a reload. A refused change (e.g. a closed period) is taken back and said why.
 */
(function () {
  "use strict";
  var list = document.getElementById("jr-roster");
  if (!list || list.getAttribute("data-writable") !== "1") { return; }
  var cfg = JSON.parse(list.getAttribute("data-config"));
  var csrf = list.getAttribute("data-csrf");
  var statusEl = document.getElementById("jr-roster-status");
  var kindSel = document.getElementById("jr-roster-kind");
  var askComment = document.getElementById("jr-roster-comment");
  var storeKey = "zhurnal.lesson." + cfg.lesson_id + ".queue";
  var queue = load();
  var sending = false;

  function load() {
    try { return JSON.parse(window.localStorage.getItem(storeKey) || "[]"); } catch (e) { return []; }
  }
  function save() {
    try { window.localStorage.setItem(storeKey, JSON.stringify(queue)); } catch (e) { /* private mode: memory only */ }
  }
  function newKey() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    return "k" + Date.now().toString(36) + Math.random().toString(36).slice(2);
  }
  function say(text, isError) {
    statusEl.textContent = text;
    statusEl.className = "jr-status" + (isError ? " error" : "");
  }
  function fmt(t, v) { return t.replace(/%\((\w+)\)s/g, function (_m, k) { return v[k]; }); }
  function row(studentId) { return list.querySelector('.jr-roster-row[data-student="' + studentId + '"]'); }

  // --- how a row looks --------------------------------------------------------------------------
  function showStatus(r, status) {
    r.setAttribute("data-status", status || "");
    r.querySelectorAll(".jr-att-btn").forEach(function (b) {
      b.setAttribute("aria-pressed", b.getAttribute("data-status") === status ? "true" : "false");
    });
  }
  function markChip(r, op) {
    var chip = document.createElement("span");
    chip.className = "jr-mark jr-unsaved";
    chip.setAttribute("data-op", op.key);
    chip.setAttribute("data-value", op.value);
    chip.textContent = op.value;
    r.querySelector(".jr-roster-marks").appendChild(chip);
    return chip;
  }
  function refreshPending() {
    list.querySelectorAll(".jr-roster-row").forEach(function (r) {
      var id = Number(r.getAttribute("data-student"));
      var waiting = queue.some(function (op) { return op.student_id === id; });
      r.classList.toggle("jr-pending", waiting);
      if (waiting) { r.querySelector(".jr-roster-state").textContent = cfg.messages.pending; }
      else if (!r.classList.contains("jr-failed")) { r.querySelector(".jr-roster-state").textContent = ""; }
    });
  }

  // --- the queue ----------------------------------------------------------------------------------
  function enqueue(op) {
    op.key = newKey();
    queue.push(op);
    save();
    refreshPending();
    flush();
    return op;
  }
  function request(op) {
    var headers = { "Accept": "application/json", "Content-Type": "application/json",
                    "X-CSRFToken": csrf, "Idempotency-Key": op.key };
    if (op.type === "att") {
      return fetch(cfg.attendance_url, { method: "PUT", credentials: "same-origin", headers: headers,
        body: JSON.stringify({ student_id: op.student_id, lesson_id: cfg.lesson_id, status: op.status }) });
    }
    if (op.type === "mark") {
      return fetch(cfg.marks_url, { method: "POST", credentials: "same-origin", headers: headers,
        body: JSON.stringify({ student_id: op.student_id, lesson_id: cfg.lesson_id, value: op.value,
                               kind: op.kind, comment: op.comment || "" }) });
    }
    if (op.type === "taken") {
      return fetch(cfg.taken_url, { method: "POST", credentials: "same-origin", headers: headers });
    }
    return fetch(cfg.marks_url + "/" + op.mark_id + "?version=" + op.version,
                 { method: "DELETE", credentials: "same-origin", headers: headers });
  }
  function answer(resp) {
    if (resp.status === 204) { return Promise.resolve({ status: 204, data: null }); }
    return resp.json().then(function (d) { return { status: resp.status, data: d }; },
                            function () { return { status: resp.status, data: null }; });
  }
  function flush() {
    if (sending || !queue.length) { return; }
    sending = true;
    var op = queue[0];
    request(op).then(answer).then(function (res) {
      sending = false;
      if (res.status >= 500) { waitForNetwork(); return; }   // the server's trouble: try again later
      queue.shift();
      save();
      applied(op, res);
      refreshPending();
      if (!queue.length) { say(cfg.messages.sent); }
      flush();
    }, function () {
      sending = false;
      waitForNetwork();
    });
  }
  function waitForNetwork() {
    say(cfg.messages.offline, true);
    refreshPending();
  }
  function applied(op, res) {
    if (op.type === "taken") {
      var ok = res.status >= 200 && res.status < 300;
      takenBtn.setAttribute("aria-pressed", ok ? "true" : "false");
      say(ok ? cfg.messages.taken : fmt(cfg.messages.error, { message: res.status }), !ok);
      return;
    }
    var r = row(op.student_id);
    if (!r) { return; }
    r.classList.remove("jr-failed");
    var chip = op.type === "mark" ? r.querySelector('[data-op="' + op.key + '"]') : null;
    if (res.status >= 200 && res.status < 300) {
      if (op.type === "att" && res.data) { r.setAttribute("data-version", res.data.version || 0); }
      if (chip && res.data) {
        chip.classList.remove("jr-unsaved");
        chip.removeAttribute("data-op");
        chip.setAttribute("data-id", res.data.id);
        chip.setAttribute("data-version", res.data.version);
      }
      if (op.type === "del") {
        var gone = r.querySelector('.jr-mark[data-id="' + op.mark_id + '"]');
        if (gone) { gone.remove(); }
      }
      say(cfg.messages.saved);
      return;
    }
    // refused: take the change back and say why
    var e = (res.data && res.data.error) || {};
    var why = e.fields ? Object.keys(e.fields).map(function (k) { return e.fields[k]; }).join("; ") : (e.message || res.status);
    if (op.type === "att") { showStatus(r, op.previous || null); }
    if (chip) { chip.remove(); }
    r.classList.add("jr-failed");
    r.querySelector(".jr-roster-state").textContent = res.status === 409 ? cfg.messages.conflict : fmt(cfg.messages.error, { message: why });
    say(fmt(cfg.messages.error, { message: why }), true);
  }

  // --- taps ------------------------------------------------------------------------------------------
  list.addEventListener("click", function (ev) {
    var btn = ev.target.closest("button, .jr-mark");
    if (!btn) { return; }
    var r = btn.closest(".jr-roster-row");
    var sid = Number(r.getAttribute("data-student"));
    if (btn.classList.contains("jr-att-btn")) {
      var previous = r.getAttribute("data-status") || null;
      var status = btn.getAttribute("data-status");
      if (previous === status) { status = null; }        // a second tap clears it
      showStatus(r, status);
      enqueue({ type: "att", student_id: sid, status: status, previous: previous });
    } else if (btn.classList.contains("jr-val-btn")) {
      var comment = "";
      if (askComment && askComment.checked) {
        comment = window.prompt(cfg.messages.comment, "");
        if (comment === null) { return; }
      }
      var op = { type: "mark", student_id: sid, value: btn.getAttribute("data-value"),
                 kind: kindSel ? kindSel.value : "answer", comment: comment.slice(0, 300) };
      markChip(r, op);
      enqueue(op);
    } else if (btn.classList.contains("jr-mark") && btn.getAttribute("data-id")) {
      if (!window.confirm(fmt(cfg.messages.remove, { value: btn.getAttribute("data-value") }))) { return; }
      btn.classList.add("jr-unsaved");
      enqueue({ type: "del", student_id: sid, mark_id: Number(btn.getAttribute("data-id")),
                version: Number(btn.getAttribute("data-version")) });
    }
  });

  var takenBtn = document.getElementById("jr-roster-taken");
  if (takenBtn) {
    takenBtn.addEventListener("click", function () {
      takenBtn.setAttribute("aria-pressed", "true");
      enqueue({ type: "taken", student_id: 0 });
    });
  }

  // what was not sent before a reload: show it again, and send it
  queue.forEach(function (op) {
    var r = row(op.student_id);
    if (!r) { return; }
    if (op.type === "att") { showStatus(r, op.status); }
    if (op.type === "mark") { markChip(r, op); }
  });
  refreshPending();
  window.addEventListener("online", flush);
  window.setInterval(flush, 5000);
  flush();
})();
