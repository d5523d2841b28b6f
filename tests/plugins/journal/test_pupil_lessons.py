"""The rule "which lessons concern a pupil" (plugins/journal/pupil_lessons.py), in both of its
forms: with values (the journal's own reads) and with prepared-statement slots (the diary's week)."""
from __future__ import annotations

import datetime as dt

from tests.conftest import TODAY

QUARTER = (dt.date(2026, 11, 5), dt.date(2026, 12, 28))


def _lessons(prepared, st):
    return [lid for (lid,) in prepared.rows(sid=st.id, cid=st.__data__.get("school_class"), a=QUARTER[0],
                                            b=QUARTER[1])]


def test_the_rule_covers_splits_streams_individual_plans_and_pupils_out_of_class(demo_app, ids):
    from zhurnal.core.prepared import Prepared, slot
    from zhurnal.plugins.journal import service
    from zhurnal.plugins.journal.models import Lesson, TimetableEntry
    from zhurnal.plugins.roster import service as roster
    from zhurnal.plugins.roster.models import GroupMember, Student, StudyGroup
    by_slots = Prepared(lambda: Lesson.select(Lesson.id).where(
        service.pupil_condition(Lesson, slot("sid"), slot("cid")) & Lesson.date.between(slot("a"), slot("b")))
        .order_by(Lesson.date, Lesson.number, Lesson.id))
    with demo_app.test_request_context():
        stream = StudyGroup.get(StudyGroup.kind == "stream")
        outside = roster.create_student(ids["school"], None, {"last_name": "Вне", "first_name": "Класса"})
        roster.set_group_members(stream, [s.id for s in roster.group_students(stream.id)] + [outside.id])
        individual = StudyGroup.get(StudyGroup.kind == "individual")
        kinds = set()
        for st in Student.select():
            lessons = service.student_lessons(st, *QUARTER)
            assert _lessons(by_slots, st) == [x.id for x in lessons], st.full_name
            mine = {g for (g,) in GroupMember.select(GroupMember.group).where(GroupMember.student == st.id).tuples()}
            cid = st.__data__.get("school_class")
            # the class's whole-class lessons and the pupil's own groups' lessons, nothing else
            assert all((x.group_id is None and x.school_class_id == cid) or x.group_id in mine for x in lessons)
            if individual.id in mine:  # an individual plan replaces the class's lessons of that subject
                assert all(x.group_id == individual.id for x in lessons if x.subject_id == individual.subject_id)
            # the timetable follows the same rule (timetable_for_student reads through it)
            slots = (TimetableEntry.select(TimetableEntry.id)
                     .where(service.pupil_condition(TimetableEntry, st.id, cid)).order_by(TimetableEntry.id))
            assert [e.id for e in slots] == sorted(e.id for e in service.timetable_for_student(st)), st.full_name
            kinds.add((individual.id in mine, cid is None, bool(lessons)))
        assert (True, False, True) in kinds and (False, True, True) in kinds  # both edge cases were met
        assert service.student_lessons(outside, TODAY - dt.timedelta(days=14), TODAY)
