/* The days of a pupil's week on the diary's week page, and the "new since your last visit"
 * box, drawn from the week's JSON.
 *
 * The page embeds the answer of the week API (GET /api/v1/students/<id>/diary?week=) in
 * <script type="application/json" id="dy-data">, and in id="dy-words" the labels in the
 * reader's language, each day's title and the news box's dates as the server writes them.
 * The server draws the frame (head, week navigation, acknowledgement); this script draws
 * one <section class="dy-day"> per day into #dy-days and the news box before #ack, with the
 * markup the server drew before (the styles of static/diary.css rely on it).
 *
 * Everything from the data is set as text (textContent, attributes): homework, comments,
 * remarks and names never become markup. A homework link becomes a link only when its
 * address starts with http:// or https://.
 */
(function () {
  "use strict";
  var days = document.getElementById("dy-days");
  var dataHolder = document.getElementById("dy-data");
  var wordsHolder = document.getElementById("dy-words");
  if (!days || !dataHolder || !wordsHolder) { return; }
  var week = JSON.parse(dataHolder.textContent);
  var page = JSON.parse(wordsHolder.textContent);
  var W = page.labels;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }
  function add(parent) {  // add(parent, node or text, ...)
    for (var i = 1; i < arguments.length; i++) {
      var x = arguments[i];
      parent.appendChild(typeof x === "string" ? document.createTextNode(x) : x);
    }
    return parent;
  }
  function fill(label, placeholder, value) {  // "каб. %(room)s" -> "каб. 21" (no $-patterns of replace)
    return label.split(placeholder).join(String(value));
  }
  function str(v) { return v === null || v === undefined ? "" : String(v); }
  function attendance(status) { return W.attendance.hasOwnProperty(status) ? W.attendance[status] : status; }
  function remarkKind(kind) { return W.remark.hasOwnProperty(kind) ? W.remark[kind] : kind; }

  // «08:30–09:15 · каб. 21 · teacher»; without the bell's times the line starts with the separator
  function lessonMeta(l) {
    var parts = [];
    if (l.start) { parts.push(l.start.slice(0, 5) + "–" + str(l.end).slice(0, 5)); }
    if (l.room) { parts.push(/^[0-9]/.test(l.room) ? fill(W.room, "%(room)s", l.room) : l.room); }
    if (l.teacher) { parts.push(l.teacher); }
    return l.start ? parts.join(" · ") : parts.map(function (p) { return " · " + p; }).join("");
  }
  function markText(m) { return str(m.kind) + (m.comment ? ": " + m.comment : ""); }

  function homework(l) {
    var hw = add(el("div", "hw"), el("b", null, W.hw), " " + str(l.homework));
    l.homework_links.forEach(function (link) {
      var url = link && typeof link.url === "string" ? link.url : "";
      if (url.indexOf("http://") !== 0 && url.indexOf("https://") !== 0) { return; }
      var a = el("a", null, str(link.title || url));
      a.setAttribute("href", url);
      a.setAttribute("rel", "noopener noreferrer");
      a.setAttribute("target", "_blank");
      add(hw, " ", a);
    });
    if (l.homework_due) {
      var due = l.homework_due.slice(8, 10) + "." + l.homework_due.slice(5, 7);
      add(hw, " ", el("span", "hint", "(" + fill(W.due, "%(d)s", due) + ")"));
    }
    return hw;
  }

  function lesson(l) {
    var row = el("div", "dy-lesson" + (l.cancelled ? " cancelled" : "") + (l.planned ? " planned" : ""));
    var body = add(el("div", "body"), el("div", "subj", str(l.subject)), el("div", "meta", lessonMeta(l)));
    var change = l.change, note = change && change.note ? ": " + change.note : "";
    if (l.cancelled) {
      add(body, el("div", "meta", W.cancelled + note));
    } else if (change && change.kind === "substitution") {
      add(body, el("div", "meta", W.substitution + note));
    } else if (change && change.kind === "room") {
      add(body, el("div", "meta", W.room_changed + note));
    }
    if (l.control !== null) { add(body, add(el("div"), el("span", "dy-control", l.control || W.control))); }
    if (l.topic) { add(body, el("div", "topic", W.topic + " " + l.topic)); }
    if (l.homework || l.homework_links.length) { add(body, homework(l)); }

    var right = el("div", "dy-right");
    if (l.marks.length) {
      var marks = add(right, el("div", "dy-marks")).lastChild;
      l.marks.forEach(function (m) {
        var s = el("span", "dy-mark v" + m.value, str(m.value));
        s.setAttribute("title", markText(m));
        add(marks, s);
      });
      l.marks.forEach(function (m) { add(right, el("div", "dy-markinfo", markText(m))); });
    }
    if (l.attendance) {
      var a = el("span", "dy-att " + l.attendance.status, attendance(l.attendance.status));
      a.setAttribute("title", str(l.attendance.reason));
      add(right, a);
    }
    return add(row, el("span", "num", str(l.number)), body, right);
  }

  function remark(r) {
    var p = add(el("p", "dy-remark " + r.kind), el("b", null, remarkKind(r.kind)),
                (r.subject ? " (" + r.subject + ")" : "") + ": " + str(r.text));
    if (r.teacher) { add(p, " ", el("span", "hint", "— " + r.teacher)); }
    return p;
  }

  function day(d) {
    var section = el("section", "dy-day" + (d.is_today ? " today" : ""));
    section.setAttribute("data-date", d.date);
    var h2 = add(el("h2"), el("span", "wd", str(page.days[d.date])));
    if (d.is_today) {
      section.setAttribute("aria-current", "date");
      add(h2, " ", el("span", "badge", W.today));
    }
    add(section, h2);
    if (d.holiday) { add(section, el("p", "dy-holiday", d.holiday)); }
    d.lessons.forEach(function (l) { add(section, lesson(l)); });
    if (!d.lessons.length && !d.holiday) { add(section, el("p", "hint", W.none)); }
    d.remarks.forEach(function (r) { add(section, remark(r)); });
    return section;
  }

  function news(n) {
    var list = el("ul");
    n.marks.forEach(function (m) {
      var li = add(el("li"), el("span", "dy-mark v" + m.value, str(m.value)),
                   " " + m.subject + ", " + str(page.dates[m.date]) + (m.kind ? " — " + m.kind : ""));
      if (m.changed) { add(li, " ", el("span", "hint", "(" + W.changed + ")")); }
      add(list, li);
    });
    n.absences.forEach(function (a) {
      add(list, add(el("li"), el("span", "dy-att " + a.status, attendance(a.status)),
                    " " + a.subject + ", " + str(page.dates[a.date]) + ", " + fill(W.lesson_n, "%(n)d", a.number)));
    });
    n.remarks.forEach(function (r) {
      add(list, add(el("li"), remarkKind(r.kind) + (r.subject ? " (" + r.subject + ")" : "") + ": " + str(r.text)));
    });
    var box = add(el("section", "dy-box"), add(el("h2", null, W.news + " "), el("span", "hint", "(" + page.since + ")")),
                  list);
    box.id = "news";
    return box;
  }

  if (week.news && week.news.total) {
    var ack = document.getElementById("ack");
    ack.parentNode.insertBefore(news(week.news), ack);
  }
  var all = document.createDocumentFragment();
  week.days.forEach(function (d) { add(all, day(d)); });
  days.appendChild(all);
}());
