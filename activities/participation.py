"""A teacher's participation record for a school year: what counts in title review
(职称评审) and awards (seeds 001, 003) — mentorships and their records, the exchanges
taken part in, secondment days, open lessons given, resources shared.

Read in a fixed number of queries whatever the teacher did; seen by the teacher, the
coordinators of their school and the bureau of its region (twinning.access)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils import timezone

from teachers.models import Filer, Mentorship, MentorshipRecord, RecordKind, Teacher
from twinning import access, calendar
from twinning.access import resolve_scope

from .models import Activity, ActivityStatus, Resource, Secondment


def can_read(user, teacher: Teacher) -> bool:
    """The teacher themselves, their school's coordinators, their region's bureau
    (twinning.access)."""
    return access.can_read_participation(resolve_scope(user), teacher, user.pk)


def year_choices(today: dt.date | None = None) -> list[int]:
    current = calendar.school_year_of(today or calendar.today())
    return list(range(current, current - 6, -1))


@dataclass
class Record:
    teacher: Teacher
    school_year: int
    start: dt.date
    end: dt.date
    mentorships: list = field(default_factory=list)
    record_counts: list = field(default_factory=list)  # (kind label, count)
    records_total: int = 0
    open_lessons: int = 0
    activities: list = field(default_factory=list)
    secondments: list = field(default_factory=list)
    secondment_days: int = 0
    resources: list = field(default_factory=list)

    @property
    def activity_counts(self) -> list[tuple[str, int]]:
        """The exchanges taken part in, by kind, most first."""
        counts: dict[str, int] = {}
        for activity in self.activities:
            counts[activity.kind.name] = counts.get(activity.kind.name, 0) + 1
        return sorted(counts.items(), key=lambda item: -item[1])

    @property
    def year_label(self) -> str:
        return f"{self.school_year}–{self.school_year + 1}"


def build(teacher: Teacher, school_year: int) -> Record:
    """The teacher's record for ``school_year`` (1 September to 31 August), up to today."""
    start, end = calendar.period_bounds("year", school_year, None)
    last = min(end, calendar.today())
    record = Record(teacher, school_year, start, end)
    record.mentorships = list(
        Mentorship.objects.filter(
            Q(mentor=teacher) | Q(mentee=teacher), start__lte=end, end__gte=start
        )  # fmt: skip
        .select_related("mentor__school", "mentee__school")
        .order_by("start")
    )
    for m in record.mentorships:
        m.role = Filer.MENTOR if m.mentor_id == teacher.pk else Filer.MENTEE
        m.partner = m.mentee if m.role == Filer.MENTOR else m.mentor
    # Records the teacher filed, on either side of their mentorships.
    mine = Q(mentorship__mentor=teacher, filed_by=Filer.MENTOR) | Q(
        mentorship__mentee=teacher, filed_by=Filer.MENTEE
    )
    labels = dict(RecordKind.choices)
    counts = (
        MentorshipRecord.objects.filter(mine, date__range=(start, end))
        .order_by()
        .values("kind")
        .annotate(n=Count("id"))
    )
    record.record_counts = sorted(
        ((labels[row["kind"]], row["n"], row["kind"]) for row in counts), key=lambda r: -r[1]
    )
    record.records_total = sum(n for _label, n, _kind in record.record_counts)
    record.open_lessons = sum(
        n for _label, n, kind in record.record_counts if kind == RecordKind.OPEN_LESSON
    )
    # Whole days of the school year (what is logged is in the past anyway); only the
    # secondment days are counted up to today, as they are still being served.
    first, after = (
        timezone.make_aware(dt.datetime.combine(start, dt.time.min)),
        timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min)),
    )
    record.activities = list(
        Activity.objects.filter(
            participations__teacher=teacher,
            status=ActivityStatus.COMPLETED,
            starts_at__gte=first,
            starts_at__lt=after,
        )  # fmt: skip
        .select_related("kind", "host_school")
        .order_by("starts_at")
    )
    record.secondments = list(
        Secondment.objects.filter(
            teacher=teacher, cancelled_at__isnull=True, start__lte=last, end__gte=start
        )
        .select_related("host_school", "host_region")
        .order_by("start")
    )
    for s in record.secondments:
        s.days_in_year = s.days_served_between(start, last)
    record.secondment_days = sum(s.days_in_year for s in record.secondments)
    record.resources = (
        list(
            Resource.objects.filter(
                uploaded_by_id=teacher.user_id, uploaded_at__gte=first, uploaded_at__lt=after
            ).order_by("uploaded_at")
        )
        if teacher.user_id
        else []
    )
    return record
