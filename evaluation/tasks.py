"""Background work of the evaluation app. Tasks take ids and call services; safe to run
twice (a scorecard opens once a year; a notification is sent once per person and step; a
document is built once per version and published only whole)."""

from celery import shared_task
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from schools.models import PairingMember
from twinning.models import Role
from twinning.notify.services import notify

from .models import Scorecard, ScorecardEvent, ScorecardStatus, Step


@shared_task(bind=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def open_and_refresh_scorecards(self) -> dict:
    """The nightly run: open the scorecards whose window has begun, then compute the
    automatic indicators of every scorecard not yet frozen (a few aggregate queries per
    metric for all of them)."""
    from . import services

    opened = services.scorecards_open_due()
    refreshed = services.scorecards_refresh(
        Scorecard.objects.exclude(status=ScorecardStatus.FINALISED)
    )
    return {"opened": opened, "refreshed": refreshed}


def _users(**condition):
    return get_user_model().objects.filter(is_active=True, **condition).distinct()


def _coordinators(school_ids):
    return _users(role_assignments__role=Role.COORDINATOR,
                  role_assignments__school_id__in=list(school_ids))  # fmt: skip


def _above(region, role):
    ancestor_ids = [int(p) for p in region.path.strip("/").split("/") if p]
    return _users(role_assignments__role=role, role_assignments__region_id__in=ancestor_ids)


@shared_task(bind=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def notify_scorecard_step(self, event_id: int) -> int:
    """Tell whoever takes the next step: the assisted schools when the self-assessment is
    submitted, the helping school when it is sent back, the region's inspectors when it
    is confirmed (or reopened), the bureau when the inspection is finished, and both
    schools of the result (a fail names the areas that fell short)."""
    from . import services

    event = (
        ScorecardEvent.objects.select_related("scorecard__pairing__region",
                                              "scorecard__pairing__helping_school",
                                              "scorecard__template", "actor")
        .filter(pk=event_id).first()
    )  # fmt: skip
    if event is None:
        return 0
    card = event.scorecard
    if card.status != event.to_status:
        return 0  # moved on before the worker got here
    members = list(PairingMember.objects.filter(pairing_id=card.pairing_id))
    assisted = {m.school_id for m in members if m.role == PairingMember.Role.ASSISTED}
    everyone = {m.school_id for m in members}
    region = card.pairing.region
    recipients = {
        Step.SUBMIT: lambda: _coordinators(assisted),
        Step.RETURN: lambda: _coordinators({card.helping_school_id}),
        Step.CONFIRM: lambda: (
            _above(region, Role.INSPECTOR) if card.status == ScorecardStatus.SUBMITTED else []
        ),
        Step.REOPEN: lambda: _above(region, Role.INSPECTOR),
        Step.INSPECT: lambda: _above(region, Role.BUREAU),
        Step.FINALISE: lambda: _coordinators(everyone),
    }.get(event.step, lambda: [])()
    recipients = [u for u in recipients if u.pk != event.actor_id]
    short = services.areas_short(card) if event.step == Step.FINALISE and not card.passed else []
    url = reverse("evaluation:scorecard_detail", args=[card.pk])

    def message(user):
        names = {"pairing": card.pairing.helping_school.name, "year": card.year}
        title = {
            Step.SUBMIT: _(
                "Self-assessment of %(pairing)s, year %(year)s, waits for your confirmation"
            ),
            Step.RETURN: _("Self-assessment of %(pairing)s, year %(year)s, sent back"),
            Step.CONFIRM: _("Scorecard of %(pairing)s, year %(year)s, waits for inspection"),
            Step.REOPEN: _("Scorecard of %(pairing)s, year %(year)s, reopened"),
            Step.INSPECT: _("Scorecard of %(pairing)s, year %(year)s, waits for finalisation"),
            Step.FINALISE: _(
                "Evaluation of %(pairing)s, year %(year)s: %(total)s points, %(grade)s"
            ),
        }[event.step] % {**names, "total": card.total, "grade": card.get_grade_display()}
        body = event.comment
        if short:
            body = (_("Areas that fell short: %(areas)s.") % {"areas": "、".join(short)}
                    + ("\n\n" + body if body else ""))  # fmt: skip
        return title, body

    return len(notify(kind="scorecard-step", key=f"scorecard:{event.pk}", recipients=recipients,
                      message=message, url=url))  # fmt: skip


# A build is killed past the hard limit (the sweep's DOCUMENT_BUILD_STUCK_MINUTES is well
# beyond it); acks_late and reject_on_worker_lost (also the settings' defaults, stated here
# because this task depends on them) give a build lost with its worker to another one.
@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, autoretry_for=(Exception,),
             retry_backoff=True, max_retries=5, soft_time_limit=300, time_limit=360)  # fmt: skip
def build_document(self, document_id: int) -> str | None:
    """Build document ``document_id`` of the report archive (documents.services.document_build)."""
    from .documents import services as document_services

    document = document_services.document_build(document_id)
    return document.status if document is not None else None


@shared_task(acks_late=True)
def requeue_stuck_documents() -> int:
    """The beat's sweep of builds no worker holds any more."""
    from .documents import services as document_services

    return document_services.documents_requeue_stuck()


@shared_task(acks_late=True)
def build_due_documents() -> int:
    """The beat's morning run of the reporting cadence (月调度, 季汇总, 半年通报): each
    kind's last period that is over, for every region with a running programme, asked
    for once; only on a working day, so the first working day after a period builds it."""
    from twinning import calendar

    from .documents import services as document_services

    if not calendar.is_working_day(calendar.today()):
        return 0
    return len(document_services.documents_request_due())


@shared_task(bind=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def notify_document_ready(self, document_id: int) -> int:
    """Tell the region's bureau staff and inspectors (and those above) that a region's
    document is ready, once each (the notification's key is the document's)."""
    from .models import Document, DocumentStatus

    document = Document.objects.select_related("region").filter(pk=document_id).first()
    if document is None or document.status != DocumentStatus.READY:
        return 0
    recipients = {user.pk: user for role in (Role.BUREAU, Role.INSPECTOR)
                  for user in _above(document.region, role)}  # fmt: skip
    url = reverse("evaluation:document_detail", args=[document.pk])

    def message(user):
        title = _("Ready to download: %(title)s") % {"title": document.title}
        day = f"{timezone.localtime(document.built_at):%Y-%m-%d}"
        body = _("Version %(version)s, built from the records as they stood on %(day)s.") % {
            "version": document.version, "day": day,
        }  # fmt: skip
        return title, body

    return len(notify(kind="document-ready", key=f"document:{document.pk}",
                      recipients=recipients.values(), message=message, url=url))  # fmt: skip
