"""Background work of the teachers app. Tasks take ids and call services; safe to run twice."""

from celery import shared_task
from django.urls import reverse
from django.utils.translation import gettext as _

from twinning.notify.services import notify

from .models import Filer, Mentorship, MentorshipRecord, RecordComment


def _people(mentorship: Mentorship) -> dict[str, object]:
    """The mentor's and the mentee's user accounts, where they have one."""
    return {
        side: teacher.user
        for side, teacher in mentorship.sides
        if teacher.user_id and teacher.user.is_active
    }


@shared_task(bind=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def notify_mentorship(self, mentorship_id: int, event: str) -> int:
    """Tell the mentor and the mentee that a mentorship started or its agreement changed."""
    mentorship = (
        Mentorship.objects.select_related("mentor__user", "mentee__user")
        .filter(pk=mentorship_id)
        .first()
    )
    if mentorship is None:
        return 0
    url = reverse("teachers:mentorship_detail", args=[mentorship.pk])

    def message(user):
        names = {"mentor": mentorship.mentor.name, "mentee": mentorship.mentee.name,
                 "subject": mentorship.subject}  # fmt: skip
        if event == "started":
            title = _("New mentorship: %(mentor)s → %(mentee)s (%(subject)s)") % names
        else:
            title = _("The agreement of %(mentor)s → %(mentee)s changed") % names
        return title, _("Read the agreement (带教协议) and accept it.")

    return len(
        notify(
            kind="mentorship-changed",
            key=f"mentorship:{mentorship.pk}:{event}",
            recipients=_people(mentorship).values(),
            message=message,
            url=url,
        )
    )


@shared_task(bind=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def notify_record(self, record_id: int, event: str) -> int:
    """Tell the other side of a mentorship about a record: filed (the mentor reviews it),
    commented on (the other one answers), signed off (the mentee sees it is done)."""
    record = (
        MentorshipRecord.objects.select_related(
            "mentorship__mentor__user", "mentorship__mentee__user"
        )
        .filter(pk=record_id)
        .first()
    )
    if record is None:
        return 0
    people = _people(record.mentorship)
    if event.startswith("comment:"):
        comment = RecordComment.objects.filter(pk=event.split(":", 1)[1]).first()
        if comment is None:
            return 0
        to_side = Filer.MENTEE if comment.author_role == Filer.MENTOR else Filer.MENTOR
    elif event == "filed":
        to_side = Filer.MENTEE if record.filed_by == Filer.MENTOR else Filer.MENTOR
    else:  # signed off
        to_side = Filer.MENTEE
    user = people.get(to_side)
    if user is None:
        return 0
    author = (
        record.mentorship.mentor if to_side == Filer.MENTEE else record.mentorship.mentee
    ).name
    url = (
        reverse("teachers:mentorship_detail", args=[record.mentorship_id]) + f"#record-{record.pk}"
    )

    def message(user):
        what = {"name": author, "kind": record.get_kind_display(), "date": record.date}
        if event == "filed":
            title = _("%(name)s filed: %(kind)s of %(date)s") % what
            body = _("It is waiting for your review.") if to_side == Filer.MENTOR else ""
        elif event == "signed_off":
            title = _("%(name)s signed off your %(kind)s of %(date)s") % what
            body = ""
        else:
            title = _("%(name)s commented on the %(kind)s of %(date)s") % what
            body = comment.text[:200]
        return title, body

    return len(
        notify(
            kind="mentorship-record",
            key=f"record:{record.pk}:{event}",
            recipients=[user],
            message=message,
            url=url,
        )
    )
