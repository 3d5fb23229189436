"""A teacher's home: their mentorships, what this week, month and term still ask of them,
and what waits for them (records to review, comments to answer)."""

from __future__ import annotations

from django.db.models import Q

from . import compliance, selectors
from .models import Filer, MentorshipStatus, RecordComment


def my_mentorships(request) -> dict | None:
    teacher = selectors.teacher_of_request(request)
    if teacher is None:
        return None
    mentorships = list(
        selectors.mentorship_list_visible_to(request.user)
        .filter(Q(mentor=teacher) | Q(mentee=teacher), status=MentorshipStatus.ACTIVE)
        .order_by("start", "id")
    )
    for mentorship in compliance.with_standings(mentorships):
        mentorship.side = mentorship.side_of(request.user)
        # What this person owes: their own lines and the shared ones.
        mentorship.my_lines = [
            line for line in mentorship.standing.lines
            if line.required and line.rule.binds(mentorship.side)
        ]  # fmt: skip
    comments = (
        RecordComment.objects.filter(
            record__mentorship__mentee=teacher, author_role=Filer.MENTOR,
            record__signed_off_at__isnull=True,
        )
        .select_related("record", "author")
        .order_by("-created_at")[:5]
    )  # fmt: skip
    return {
        "template": "teachers/home_section.html",
        "teacher": teacher,
        "mentorships": mentorships,
        "to_review": selectors.review_queue(request.user).count(),
        "comments": list(comments),
    }


def register() -> None:
    from schools.home_views import register_home_section

    register_home_section(my_mentorships)
