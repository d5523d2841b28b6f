/* Keyboard entry on the journal grid.
 *
 * The grid is server-rendered and readable without this script. Here: arrows / Tab
 * move between cells; typing a mark opens an editor (Enter saves, Tab saves and
 * moves on, Escape cancels); «н» «б» «у» «о» set attendance (again: clear); Enter on
 * a cell edits its last mark, Delete removes it (or clears attendance); H shows the
 * cell's history. Everything is saved through the JSON API without a page reload;
 * a stale edit (409) shows the current value instead of overwriting it.
 */
(function () {
  "use strict";
  var table = document.getElementById("jr-grid");
  if (!table) { return; }
  var cfg = JSON.parse(table.getAttribute("data-config"));
  var statusEl = document.getElementById("jr-status");
  var kindSel = document.getElementById("jr-kind");
  var pop = document.getElementById("jr-pop");
  var keyToStatus = {};
  Object.keys(cfg.attendance).forEach(function (st) { keyToStatus[cfg.attendance[st]] = st; });
  // the same physical keys on a Latin layout (ЙЦУКЕН: н=Y, б=comma, у=E, о=J)
  var codeToStatus = { KeyY: "absent", Comma: "ill", KeyE: "valid", KeyJ: "late" };

  function say(text, isError) {
    statusEl.textContent = text;
    statusEl.className = "jr-status" + (isError ? " error" : "");
  }
  function fmt(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_m, k) { return values[k]; });
  }

  function api(method, url, body) {
    var opts = { method: method, credentials: "same-origin", headers: { "Accept": "application/json" } };
    if (body !== undefined) {
      opts.headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(body);
    }
    return fetch(url, opts).then(function (r) {
      if (r.status === 204) { return { ok: true, status: 204, data: null }; }
      return r.json().then(function (data) { return { ok: r.ok, status: r.status, data: data }; },
                           function () { return { ok: r.ok, status: r.status, data: null }; });
    }, function () { say(cfg.messages.offline, true); return { ok: false, status: 0, data: null }; });
  }
  function failed(res) {
    if (res.status === 0) { return; }
    var e = (res.data && res.data.error) || {};
    var fields = e.fields ? Object.keys(e.fields).map(function (k) { return e.fields[k]; }).join("; ") : "";
    say(fmt(cfg.messages.error, { message: fields || e.message || res.status }), true);
  }

  // --- cells and moving -----------------------------------------------------------------
  function pos(td) { return [td.parentNode.rowIndex, td.cellIndex]; }
  function cellAt(r, c) {
    var row = table.rows[r];
    return row ? row.cells[c] : null;
  }
  function focusable(td) { return td && td.classList.contains("jr-cell"); }
  function move(td, dr, dc) {
    var p = pos(td), r = p[0] + dr, c = p[1] + dc, next = cellAt(r, c);
    while (next && !focusable(next)) { r += dr; c += dc; next = cellAt(r, c); }
    if (next) { next.focus(); }
    return next;
  }
  function editable(td) { return td.classList.contains("jr-edit"); }
  function ids(td) {
    return { lesson_id: parseInt(td.getAttribute("data-lesson"), 10),
             student_id: parseInt(td.getAttribute("data-student"), 10) };
  }
  function marks(td) { return td.querySelectorAll(".jr-mark"); }

  // --- values ---------------------------------------------------------------------------
  function normalize(text) {
    var t = text.trim().toLowerCase();
    if (cfg.scale.indexOf(t) >= 0) { return t; }
    if (t === "+" && !cfg.numeric["+"]) { return cfg.scale[0]; }
    if (t === "-" && !cfg.numeric["-"]) { return cfg.scale[cfg.scale.length - 1]; }
    var hits = cfg.scale.filter(function (v) { return v.indexOf(t) === 0; });
    return t && hits.length === 1 ? hits[0] : null;
  }
  function startsMark(ch) {
    if (ch === "+" || ch === "-") { return !cfg.numeric["5"] || cfg.scale.length === 2; }
    return cfg.scale.some(function (v) { return v.indexOf(ch.toLowerCase()) === 0; });
  }

  function markSpan(m) {
    var s = document.createElement("span");
    s.className = "jr-mark";
    s.textContent = m.value;
    s.setAttribute("data-id", m.id);
    s.setAttribute("data-value", m.value);
    s.setAttribute("data-version", m.version);
    s.setAttribute("data-kind", m.kind);
    s.setAttribute("data-weight", m.weight);
    s.title = m.comment ? m.kind + ": " + m.comment : m.kind;
    return s;
  }
  function updateSpan(s, m) {
    s.textContent = m.value;
    s.setAttribute("data-value", m.value);
    s.setAttribute("data-version", m.version);
    s.setAttribute("data-weight", m.weight);
  }
  function recompute(td) {
    var row = td.parentNode, sum = 0, w = 0;
    row.querySelectorAll(".jr-mark").forEach(function (s) {
      var n = cfg.numeric[s.getAttribute("data-value")];
      var wt = parseFloat(s.getAttribute("data-weight")) || 1;
      if (n !== undefined && n !== null) { sum += n * wt; w += wt; }
    });
    var cell = row.querySelector("[data-avg]");
    if (cell) { cell.textContent = w ? (sum / w).toFixed(2) : ""; }
  }

  // --- saving ---------------------------------------------------------------------------
  function addMark(td, value) {
    var body = ids(td);
    body.value = value;
    body.kind = kindSel ? kindSel.value : "answer";
    return api("POST", "/api/v1/marks", body).then(function (res) {
      if (!res.ok) { return failed(res); }
      td.appendChild(markSpan(res.data));
      recompute(td);
      say(cfg.messages.saved);
    });
  }
  function conflictShown(span, res) {
    var cur = res.data && res.data.error ? res.data.error.current : null;
    if (cur) {
      updateSpan(span, cur);
      say(fmt(cfg.messages.conflict, { value: cur.value }), true);
    } else {
      var td = span.parentNode;
      span.remove();
      recompute(td);
      say(cfg.messages.conflict_gone, true);
    }
  }
  function editMark(td, span, value) {
    if (value === span.getAttribute("data-value")) { return Promise.resolve(); }
    var body = { value: value, version: parseInt(span.getAttribute("data-version"), 10) };
    return api("PATCH", "/api/v1/marks/" + span.getAttribute("data-id"), body).then(function (res) {
      if (res.status === 409) { conflictShown(span, res); recompute(td); return; }
      if (!res.ok) { return failed(res); }
      updateSpan(span, res.data);
      recompute(td);
      say(cfg.messages.saved);
    });
  }
  function deleteMark(td, span) {
    var url = "/api/v1/marks/" + span.getAttribute("data-id") + "?version=" + span.getAttribute("data-version");
    return api("DELETE", url).then(function (res) {
      if (res.status === 409) { conflictShown(span, res); recompute(td); return; }
      if (!res.ok && res.status !== 404) { return failed(res); }
      span.remove();
      recompute(td);
      say(cfg.messages.saved);
    });
  }
  function setAttendance(td, status) {
    var span = td.querySelector(".jr-att");
    var current = span ? span.getAttribute("data-status") : null;
    if (current === status) { status = null; }  // the same key again clears it
    var body = ids(td);
    body.status = status;
    body.version = span ? parseInt(span.getAttribute("data-version"), 10) : 0;
    return api("PUT", "/api/v1/attendance", body).then(function (res) {
      if (!res.ok && res.status !== 409) { return failed(res); }
      var a = res.ok ? res.data : (res.data.error.current || { status: null });
      if (span) { span.remove(); }
      if (a && a.status) {
        var s = document.createElement("span");
        s.className = "jr-att jr-att-" + a.status;
        s.setAttribute("data-status", a.status);
        s.setAttribute("data-version", a.version);
        s.textContent = cfg.attendance[a.status];
        td.insertBefore(s, td.firstChild);
      }
      if (res.ok) { say(cfg.messages.saved); } else { say(fmt(cfg.messages.conflict, { value: a.status ? cfg.attendance[a.status] : "—" }), true); }
    });
  }

  // --- the inline editor ------------------------------------------------------------------
  function openEditor(td, initial, span) {
    var input = document.createElement("input");
    input.type = "text";
    input.value = initial;
    input.setAttribute("aria-label", "mark");
    input.maxLength = 8;
    td.appendChild(input);
    input.focus();
    var done = false;
    function close() {
      if (done) { return; }
      done = true;
      input.remove();
    }
    function commit(then) {
      if (done) { return; }
      var value = normalize(input.value);
      close();
      if (value === null) {
        if (input.value.trim()) { notAMark(td, input.value.trim()); }
        td.focus();
        return;
      }
      var p = span ? editMark(td, span, value) : addMark(td, value);
      if (then) { then(); } else { td.focus(); }
      return p;
    }
    input.addEventListener("keydown", function (ev) {
      ev.stopPropagation();
      if (ev.key === "Enter") { ev.preventDefault(); commit(); }
      else if (ev.key === "Escape") { ev.preventDefault(); close(); td.focus(); }
      else if (ev.key === "Tab") { ev.preventDefault(); commit(function () { move(td, 0, ev.shiftKey ? -1 : 1); }); }
    });
    input.addEventListener("blur", function () { close(); });
  }

  // --- history ----------------------------------------------------------------------------
  function showHistory(td) {
    var i = ids(td);
    api("GET", "/api/v1/lessons/" + i.lesson_id + "/students/" + i.student_id + "/history").then(function (res) {
      if (!res.ok) { return failed(res); }
      pop.innerHTML = "";
      var h = document.createElement("strong");
      h.textContent = cfg.messages.history;
      pop.appendChild(h);
      var ul = document.createElement("ul");
      res.data.forEach(function (x) {
        var li = document.createElement("li");
        li.textContent = new Date(x.at).toLocaleString() + " · " + (x.by || "") + ": " +
          (x.old || "—") + " → " + (x.new || "—");
        ul.appendChild(li);
      });
      if (!res.data.length) {
        var li = document.createElement("li");
        li.textContent = cfg.messages.no_history;
        ul.appendChild(li);
      }
      pop.appendChild(ul);
      var a = document.createElement("a");
      a.href = cfg.history_url + "?lesson_id=" + i.lesson_id + "&student_id=" + i.student_id;
      a.textContent = cfg.messages.full_history;
      pop.appendChild(a);
      var r = td.getBoundingClientRect();
      pop.style.left = (window.scrollX + r.left) + "px";
      pop.style.top = (window.scrollY + r.bottom + 4) + "px";
      pop.hidden = false;
    });
  }
  document.addEventListener("keydown", function (ev) { if (ev.key === "Escape") { pop.hidden = true; } });
  document.addEventListener("click", function (ev) { if (!pop.contains(ev.target)) { pop.hidden = true; } });

  // --- keys on cells ----------------------------------------------------------------------
  table.addEventListener("dblclick", function (ev) {
    var td = ev.target.closest("td.jr-cell");
    if (td) { showHistory(td); }
  });
  table.addEventListener("keydown", function (ev) {
    var td = ev.target.closest("td.jr-cell");
    if (!td || ev.target !== td || ev.altKey || ev.ctrlKey || ev.metaKey) { return; }
    var moves = { ArrowLeft: [0, -1], ArrowRight: [0, 1], ArrowUp: [-1, 0], ArrowDown: [1, 0] };
    if (moves[ev.key]) { ev.preventDefault(); move(td, moves[ev.key][0], moves[ev.key][1]); return; }
    if (ev.code === "KeyH") { ev.preventDefault(); showHistory(td); return; }
    if (!editable(td)) { return; }
    var ms = marks(td), last = ms.length ? ms[ms.length - 1] : null;
    if (ev.key === "Enter") {
      ev.preventDefault();
      if (last) { openEditor(td, last.getAttribute("data-value"), last); }
      return;
    }
    if (ev.key === "Delete" || ev.key === "Backspace") {
      ev.preventDefault();
      if (last) { deleteMark(td, last); }
      else if (td.querySelector(".jr-att")) { setAttendance(td, td.querySelector(".jr-att").getAttribute("data-status")); }
      return;
    }
    var key = ev.key.length === 1 ? ev.key.toLowerCase() : "";
    var status = keyToStatus[key] || (/^[a-z,]$/.test(key) ? codeToStatus[ev.code] : null);
    if (status) { ev.preventDefault(); setAttendance(td, status); return; }
    if (key && startsMark(key)) { ev.preventDefault(); openEditor(td, key, null); return; }
    if (key && /[0-9a-zа-яё+\-]/i.test(key)) { ev.preventDefault(); notAMark(td, key); }
  });

  // a key that is no mark of this scale («7» on a 5-point scale): said in the cell, nothing saved
  function notAMark(td, typed) {
    var text = fmt(cfg.messages.not_a_mark, { value: typed, values: cfg.scale.join(", ") });
    var old = td.querySelector(".jr-invalid-msg");
    if (old) { old.remove(); }
    var tip = document.createElement("span");
    tip.className = "jr-invalid-msg";
    tip.setAttribute("role", "alert");
    tip.textContent = text;
    td.appendChild(tip);
    td.classList.add("jr-invalid");
    say(text, true);
    window.setTimeout(function () { tip.remove(); td.classList.remove("jr-invalid"); }, 4000);
  }

  // --- period marks -----------------------------------------------------------------------
  table.querySelectorAll(".jr-term-select").forEach(function (sel) {
    sel.addEventListener("change", function () {
      var body = { student_id: parseInt(sel.getAttribute("data-student"), 10), subject_id: cfg.subject_id,
                   period_id: cfg.period_id, value: sel.value || null,
                   version: parseInt(sel.getAttribute("data-version"), 10) };
      api("PUT", "/api/v1/term-marks", body).then(function (res) {
        if (res.status === 409) {
          var cur = res.data.error.current;
          sel.value = cur ? cur.value : "";
          sel.setAttribute("data-version", cur ? cur.version : 0);
          say(fmt(cfg.messages.conflict, { value: cur ? cur.value : "—" }), true);
          return;
        }
        if (!res.ok) { return failed(res); }
        sel.setAttribute("data-version", res.data.version);
        say(cfg.messages.saved);
      });
    });
  });
})();
