/* The journal grid, drawn from the grid's JSON.
 *
 * The page embeds the answer of the grid API (GET /api/v1/classes/<id>/journal) in
 * <script type="application/json" id="jr-data">, and the server draws the page around an
 * empty <table id="jr-grid"> whose data-config holds what the answer does not (the words,
 * today, the lesson link, whether period marks may be given). This script draws the table
 * as the server drew it before: a head row (the lessons, the average, the period), then one
 * row per student: the name, one <td class="jr-cell"> per lesson the student has (jr-edit
 * where marks may be entered; attendance first, then the marks in the order they were
 * given), the average and the period mark. Everything from the data is set as text or as an
 * attribute, never as markup. Loaded before journal.js, which adds the keyboard entry.
 */
(function () {
  "use strict";
  var table = document.getElementById("jr-grid");
  var holder = document.getElementById("jr-data");
  if (!table || !holder) { return; }
  var data = JSON.parse(holder.textContent);
  var cfg = JSON.parse(table.getAttribute("data-config"));
  var words = cfg.messages;

  function el(tag, cls, text, attrs) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== null && text !== undefined && text !== "") { e.textContent = text; }
    if (attrs) { Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); }); }
    return e;
  }

  var kindName = {};
  data.kinds.forEach(function (k) { kindName[k.code] = k.name; });
  var cells = {};   // "student:lesson" -> {att, marks}
  function cell(sid, lid) {
    var key = sid + ":" + lid;
    return cells[key] || (cells[key] = { att: null, marks: [] });
  }
  data.marks.forEach(function (m) { cell(m.student_id, m.lesson_id).marks.push(m); });
  data.attendance.forEach(function (a) { cell(a.student_id, a.lesson_id).att = a; });
  var lessons = data.lessons.map(function (x) {
    var only = null;
    if (x.students) {
      only = {};
      x.students.forEach(function (sid) { only[sid] = true; });
    }
    return { id: x.id, edit: x.editable, only: only };
  });

  function attSpan(a) {
    var title = a.reason;
    if (a.justified_by) {
      title += " · " + (a.justified_by.indexOf("health_sheet:") === 0 ? words.certificate : words.excused);
    }
    return el("span", "jr-att jr-att-" + a.status, cfg.attendance[a.status] || "",
              { "data-status": a.status, "data-version": a.version, "title": title });
  }
  function markSpan(m) {
    var name = kindName[m.kind] || "";
    return el("span", "jr-mark", m.value, { "data-id": m.id, "data-value": m.value, "data-version": m.version,
                                            "data-kind": m.kind || "", "data-weight": m.weight,
                                            "title": m.comment ? name + ": " + m.comment : name });
  }

  // --- the head row -----------------------------------------------------------------------
  function dayMonth(iso) { return iso.slice(8, 10) + "." + iso.slice(5, 7); }
  var head = el("tr");
  head.appendChild(el("th", "jr-name", words.student, { scope: "col" }));
  data.lessons.forEach(function (x) {
    var cls = "jr-lesson" + (x.is_control ? " jr-control" : "") + (x.cancelled ? " jr-cancelled" : "") +
              (x.date === cfg.today ? " jr-now" : "");
    var th = el("th", cls, null, { scope: "col", "data-lesson": x.id,
                                   title: (x.topic || "") + (x.control_title ? " — " + x.control_title : "") });
    th.appendChild(el("a", null, dayMonth(x.date), { href: cfg.lesson_href + x.id }));
    if (x.is_control) { th.appendChild(el("span", "jr-k", "К", { title: words.control_work })); }
    head.appendChild(th);
  });
  head.appendChild(el("th", "jr-avg", words.average, { scope: "col" }));
  if (data.period) { head.appendChild(el("th", "jr-term", data.period.name, { scope: "col" })); }

  // --- a student's row --------------------------------------------------------------------
  function termCell(s) {
    var td = el("td", "jr-term");
    var t = data.term_marks[String(s.id)];
    if (!cfg.can_term_marks) {
      if (t) { td.textContent = t.value; }
      return td;
    }
    var sel = el("select", "jr-term-select", null, { "data-student": s.id, "data-version": t ? t.version : 0,
                                                     "aria-label": words.period_mark + ": " + s.name });
    sel.appendChild(el("option", null, null, { value: "" }));
    data.scale.values.forEach(function (v) {
      var o = el("option", null, v, { value: v });
      if (t && t.value === v) { o.selected = true; o.setAttribute("selected", ""); }
      sel.appendChild(o);
    });
    td.appendChild(sel);
    if (s.proposed && !t) { td.appendChild(el("span", "hint", "→ " + s.proposed, { title: words.proposed })); }
    return td;
  }
  function studentRow(s, n) {
    var tr = el("tr", null, null, { "data-student": s.id });
    tr.appendChild(el("th", "jr-name", n + ". " + s.name, { scope: "row" }));
    lessons.forEach(function (x) {
      var td = document.createElement("td");
      if (x.only && !x.only[s.id]) {
        td.className = "jr-na";
        td.setAttribute("aria-hidden", "true");
        tr.appendChild(td);
        return;
      }
      td.className = x.edit ? "jr-cell jr-edit" : "jr-cell";
      td.tabIndex = 0;
      td.setAttribute("data-lesson", x.id);
      td.setAttribute("data-student", s.id);
      var c = cells[s.id + ":" + x.id];
      if (c) {
        if (c.att) { td.appendChild(attSpan(c.att)); }
        c.marks.forEach(function (m) { td.appendChild(markSpan(m)); });
      }
      tr.appendChild(td);
    });
    tr.appendChild(el("td", "jr-avg", s.average === null ? "" : s.average.toFixed(2), { "data-avg": s.id }));
    if (data.period) { tr.appendChild(termCell(s)); }
    return tr;
  }

  var thead = table.tHead || table.createTHead();
  thead.appendChild(head);
  var body = table.tBodies[0] || table.createTBody();
  var rows = document.createDocumentFragment();
  data.students.forEach(function (s, i) { rows.appendChild(studentRow(s, i + 1)); });
  body.appendChild(rows);
}());
