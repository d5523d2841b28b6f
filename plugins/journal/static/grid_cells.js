/* The lesson cells of the journal grid, drawn from the grid's JSON.
 *
 * The page embeds the answer of the grid API (GET /api/v1/classes/<id>/journal) in
 * <script type="application/json" id="jr-data">; the server draws the frame (lessons,
 * students, averages, period marks) and this script the cells between the name and the
 * average of each row, as the server drew them before: one <td class="jr-cell"> per
 * lesson the student has (jr-edit where marks may be entered), attendance first, then
 * the marks in the order they were given. Loaded before journal.js, which adds the
 * keyboard entry.
 */
(function () {
  "use strict";
  var table = document.getElementById("jr-grid");
  var holder = document.getElementById("jr-data");
  if (!table || !holder) { return; }
  var data = JSON.parse(holder.textContent);
  var cfg = JSON.parse(table.getAttribute("data-config"));
  var words = cfg.messages;

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

  function span(cls, text, attrs) {
    var s = document.createElement("span");
    s.className = cls;
    s.textContent = text;
    Object.keys(attrs).forEach(function (k) { s.setAttribute(k, attrs[k]); });
    return s;
  }
  function attSpan(a) {
    var title = a.reason;
    if (a.justified_by) {
      title += " · " + (a.justified_by.indexOf("health_sheet:") === 0 ? words.certificate : words.excused);
    }
    return span("jr-att jr-att-" + a.status, cfg.attendance[a.status] || "",
                { "data-status": a.status, "data-version": a.version, "title": title });
  }
  function markSpan(m) {
    var name = kindName[m.kind] || "";
    return span("jr-mark", m.value, { "data-id": m.id, "data-value": m.value, "data-version": m.version,
                                      "data-kind": m.kind || "", "data-weight": m.weight,
                                      "title": m.comment ? name + ": " + m.comment : name });
  }

  var rows = table.tBodies[0] ? table.tBodies[0].rows : [];
  for (var r = 0; r < rows.length; r++) {
    var row = rows[r], sid = parseInt(row.getAttribute("data-student"), 10);
    var before = row.querySelector("td.jr-avg");
    var frag = document.createDocumentFragment();
    lessons.forEach(function (x) {
      var td = document.createElement("td");
      if (x.only && !x.only[sid]) {
        td.className = "jr-na";
        td.setAttribute("aria-hidden", "true");
        frag.appendChild(td);
        return;
      }
      td.className = x.edit ? "jr-cell jr-edit" : "jr-cell";
      td.tabIndex = 0;
      td.setAttribute("data-lesson", x.id);
      td.setAttribute("data-student", sid);
      var c = cells[sid + ":" + x.id];
      if (c) {
        if (c.att) { td.appendChild(attSpan(c.att)); }
        c.marks.forEach(function (m) { td.appendChild(markSpan(m)); });
      }
      frag.appendChild(td);
    });
    row.insertBefore(frag, before);
  }
}());
