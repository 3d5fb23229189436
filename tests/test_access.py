"""The scoping rule of DESIGN.md §2, route by route.

Every named route of the site and the API must appear in ``ROUTES`` (or in
``PUBLIC`` / ``PERSONAL`` with a reason): adding a route without an access case
fails ``test_every_route_has_an_access_case``. For each case:

- the outsider (bureau staff, coordinator and inspector of another city) gets 404
  on every object of 江城市, for reading and for changing, and changes nothing;
- on lists, searches, counts and downloads the outsider sees nothing of 江城市;
- the inspector (read-only for the region) can read every object route and gets
  403 on every change, which changes nothing; so does a teacher of the pair.
"""

import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass, field

import openpyxl
import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from PIL import Image
from rest_framework.test import APIClient

from activities import services as activity_services
from activities.models import (
    Activity,
    ActivityKind,
    Evidence,
    PairingTarget,
    Participation,
    Reschedule,
    Resource,
    Secondment,
)
from evaluation import services as evaluation_services
from evaluation.models import (
    Area,
    Document,
    DocumentStatus,
    Indicator,
    IndicatorScore,
    Scorecard,
    ScorecardEvent,
    ScoreEvidence,
)
from evaluation.models import Template as ScorecardTemplate
from funding import services as funding_services
from funding.models import (
    AidApplication,
    AidDocument,
    AidNotice,
    AidObjection,
    AidReview,
    AidScheme,
    AidStep,
    AidStepRecord,
    AidTier,
    Allocation,
    Budget,
    Disbursement,
    DisbursementTransition,
    Donation,
    DonationEvidence,
    LedgerEntry,
    Receipt,
    Student,
    StudentAccessLog,
    Tranche,
)
from schools import services
from schools.models import (
    ContactPerson,
    DayOverride,
    Goal,
    LeadingGroupMember,
    NeedsAssessment,
    Pairing,
    PairingTransition,
    Programme,
    ProgressUpdate,
    Region,
    School,
    TermDates,
)
from teachers import services as teacher_services
from teachers.models import (
    Honour,
    Mentorship,
    MentorshipRecord,
    Obligation,
    RecordAttachment,
    RecordComment,
    Teacher,
)
from tests.conftest import tell
from tests.factories import UserFactory, assign
from twinning import imports
from twinning.downloads import XLSX_TYPE
from twinning.models import (
    ChatRobot,
    Delivery,
    ImportBatch,
    Notification,
    NotificationPreference,
    RegionNotificationDefault,
    Role,
)
from twinning.notify import chat

# Strings that identify 江城市's records; none may reach the outsider.
SECRETS = [
    "江城实验小学", "西山山村小学", "东城第二小学", "3451000001", "3451000002",
    "江城市城乡学校结对帮扶", "东城县", "西山县", "陈红梅", "JC-0001", "江城市结对帮扶专项资金",
]  # fmt: skip


@dataclass(frozen=True)
class Route:
    """How to exercise one named route.

    ``kwargs`` builds the URL arguments from the scene (None: a list route).
    ``read``: GET is a read. ``writes``: (method, payload builder) pairs, where
    ``FORM`` is the GET of a create or edit form.
    """

    kwargs: Callable | None = None
    read: bool = True
    writes: tuple = field(default_factory=tuple)
    api: bool = False
    # Who may read but must get 403 on every write. A mentorship's records are written
    # by its mentor and mentee, so there a coordinator takes the mentor's place.
    read_only: tuple = ("inspector", "mentor")
    # Whether the region's inspector reads it: not a pairing's shared library, which is
    # its schools' and its bureau's only (tests/test_resources.py).
    inspector_reads: bool = True
    # Reference data every region shares (the kinds of activity): no region's object, so
    # the outsider's 404 does not apply; who may change it is ``read_only``'s test.
    shared: bool = False


def pk(attr):
    return lambda s: {"pk": getattr(s, attr).pk}


# GET of a page whose only use is to change something (a create or edit form).
FORM = ("get", None)


def post(payload=None):
    return ("post", payload or (lambda s: {}))


def patch(payload):
    return ("patch", payload)


def school_payload(s):
    return {
        "name": "新建小学", "code": "3451009999", "region": s.east.pk, "stage": "primary",
        "location": "urban", "enrolment": 100, "staff_count": 10,
    }  # fmt: skip


def programme_payload(s):
    return {
        "name": "新项目", "region": s.city.pk, "start_year": 2026, "years": 3,
        "pairing_kind": "one_to_one", "reach": "cross_county", "max_assisted_schools": 1,
        "funding_per_pair": "1000.00", "tranche_count": 3, "pass_mark": "75.00",
    }  # fmt: skip


def target_payload(s):
    return {"subject": "activity", "kind": ActivityKind.objects.get(code="lecture").pk,
            "minimum": 1, "period": "year", "side": "either"}  # fmt: skip


def obligation_payload(s):
    return {"form": "obligation", "kind": "reading_note", "filer": "mentee", "minimum": 2,
            "period": "month"}  # fmt: skip


def pairing_payload(s):
    return {
        "programme": s.programme.pk,
        "helping_school": s.helping.pk,
        "assisted_schools": [s.assisted.pk],
    }


def needs_payload(s):
    return {
        "pairing": s.pairing.pk,
        "school": s.assisted.pk,
        "dimension": "curriculum",
        "rating": 2,
    }


def goal_payload(s):
    return {
        "pairing": s.pairing.pk, "school": s.assisted.pk, "title": "开发校本课程",
        "target_value": "3", "unit": "门", "period_kind": "year", "school_year": 2026,
    }  # fmt: skip


# Routes the mentorship's mentor (the ``mentor`` persona) may use: the pair's coordinator
# reads them and gets 403.
BY_PAIR = ("inspector", "coord_helping")


def robot_payload(s):
    return {
        "name": "江城实验小学结对工作群",
        "owner": f"school:{s.helping.pk}",
        "platform": "wecom",
        "webhook": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abcd-1234-efgh",
    }


def mentorship_payload(s):
    return {"mentor": s.teacher.pk, "mentee": s.mentee_teacher.pk, "subject": "数学",
            "start": "2026-09-01"}  # fmt: skip


def mentorship_form_payload(s):
    return {**mentorship_payload(s), "terms": "1"}


def record_payload(s):
    return {"mentorship": s.mentorship.pk, "kind": "reading_note", "date": "2026-11-20",
            "content": "读书笔记"}  # fmt: skip


def teacher_payload(s):
    return {
        "school_code": s.helping.code, "name": "新老师", "staff_number": "JC-0001",
        "honours-TOTAL_FORMS": "0", "honours-INITIAL_FORMS": "0",
    }  # fmt: skip


def activity_payload(s):
    return {
        "kind": "visit", "title": "互访", "host_school": s.helping.pk, "place": "会议室",
        "starts_at": "2026-12-01T09:00", "ends_at": "2026-12-01T12:00",
    }  # fmt: skip


def activity_api_payload(s):
    return {
        **activity_payload(s), "pairing": s.pairing.pk,
        "starts_at": "2026-12-01T09:00:00+08:00", "ends_at": "2026-12-01T12:00:00+08:00",
    }  # fmt: skip


def postpone_payload(s):
    return {"starts_at": "2026-12-08T09:00", "ends_at": "2026-12-08T12:00", "reason": "考试"}


def postpone_api_payload(s):
    return {"starts_at": "2026-12-08T09:00:00+08:00", "ends_at": "2026-12-08T12:00:00+08:00"}


def secondment_payload(s):
    return {
        "kind": "teaching_placement", "teacher": s.teacher.pk, "host_school": s.assisted.pk,
        "start": "2027-03-01", "end": "2027-03-31", "duties": "支教数学",
    }  # fmt: skip


def secondment_api_payload(s):
    return {**secondment_payload(s), "pairing": s.pairing.pk}


def day_override_payload(s):
    return {"region_code": s.west.code, "date": f"{_next_school_year() + 1}-02-09",
            "is_working_day": "0",
            "note": "西山县春节"}  # fmt: skip


def day_override_api_payload(s):
    return {
        "region": s.west.pk,
        "date": f"{_next_school_year() + 1}-02-10",
        "is_working_day": False,
        "note": "春节",
    }


# The kinds of activity: one list for every region, read by every role and kept by
# administrators and the province's bureau (江城市 has no parent region: its ``bureau``);
# a county's bureau reads it like the rest (tests/test_activity_kinds.py).
KIND_READERS = ("inspector", "mentor", "coord_helping", "county_bureau")


def kind_payload(s):
    return {"code": "reading_club", "name_zh": "读书会", "name_en": "Reading club", "order": "1"}


def kind_api_payload(s):
    return {**kind_payload(s), "order": 1}


def visit_kind(s):
    return {"pk": ActivityKind.objects.get(code="visit").pk}


def _next_school_year() -> int:
    # Whatever day the suite runs: a term that is not over (the closed-period rule).
    today = timezone.localdate()
    return (today.year if today.month >= 9 else today.year - 1) + 1


def term_dates_payload(s):
    year = _next_school_year()
    return {"region_code": s.west.code, "school_year": year, "term": 2,
            "start": f"{year + 1}-02-21", "end": f"{year + 1}-07-07"}  # fmt: skip


def term_dates_api_payload(s):
    year = _next_school_year()
    return {"region": s.west.pk, "school_year": year, "term": 2, "start": f"{year + 1}-02-21",
            "end": f"{year + 1}-07-07"}  # fmt: skip


# A pairing's money is not its teachers' business: a teacher gets 404 there
# (tests/test_funding_pages.py), so only the inspector reads and is refused changes.
FUNDS = ("inspector",)


def budget_payload(s):
    return {"region": s.city.pk, "programme": s.programme.pk, "source": "新资金",
            "fiscal_year": 2027, "amount": "1000", "purpose": "结对",
            "ring_fenced": "on"}  # fmt: skip


def disbursement_payload(s):
    return {"allocation": s.allocation.pk, "purpose": "transport", "payee_kind": "school",
            "school": s.helping.pk, "amount": "100", "description": "车费"}  # fmt: skip


def donation_payload(s):
    return {"school": s.assisted.pk, "donor": "爱心企业", "category": "books",
            "items": "课外读物", "quantity": "100", "unit": "册", "estimated_value": "2000",
            "received_on": "2026-11-01"}  # fmt: skip


# The yearly evaluation: the bureau of a member school's county reads a scorecard and takes
# no part in it.
EVALUATION = ("county_bureau",)


def template_copy_payload(s):
    return {"source": ScorecardTemplate.objects.get(programme__isnull=True).pk,
            "programme": s.programme.pk, "name": "新版本"}  # fmt: skip


def indicator_payload(s):
    return {"area": s.area.pk, "code": "9.1", "name": "新指标", "max_points": "2",
            "source": "manual"}  # fmt: skip


def score_payload(s):
    return {"entries": {str(s.score.indicator_id): {"score": "4", "note": "改"}}}


def self_assess_payload(s):
    return {f"score_{s.score.indicator_id}": "4", f"note_{s.score.indicator_id}": "改"}


def inspect_payload(s):
    return {f"score_{s.score.indicator_id}": "2", f"comment_{s.score.indicator_id}": "核实"}


def document_request_payload(s):
    return {"region_code": s.city.code, "kind": "monthly_steering", "period": "2026-11"}


def document_request_api_payload(s):
    return {"region": s.city.pk, "kind": "monthly_steering", "period": "2026-11"}


# Student data: the inspector reads none of it (404, tests/test_student_aid_pages.py).
PRIVATE = {"read_only": (), "inspector_reads": False}
# What the aid officers decide: the student's coordinator reads it and gets 403.
DECIDED = {"read_only": ("coord_assisted",), "inspector_reads": False}


def student_payload(s):
    return {"school": s.assisted.pk, "name": "李小华", "gender": "f", "grade": "2",
            "class_name": "二(1)班", "guardian_name": "李父", "guardian_phone": "139"}  # fmt: skip


def scheme_payload(s):
    return {"region": s.city.pk, "name": "冬衣", "kind": "winter_clothing", "form": "in_kind",
            "period": "year", "notice_days": 5, "tiers": "一档 冬衣一套"}  # fmt: skip


def donation_api_payload(s):
    return {**donation_payload(s), "pairing": s.pairing.pk, "quantity": 100}


def person(s):
    return {"school": s.assisted.pk, "name": "周主任", "position": "member", "phone": "13800000000"}


ROUTES: dict[str, Route] = {
    # pages
    "home": Route(),
    # Imports: the bureau of the uploader's region follows a file but only its uploader
    # confirms it; the inspector sees none (tests/test_imports.py).
    "imports:home": Route(),
    "imports:history_export_csv": Route(),
    "imports:history_export_xlsx": Route(),
    "imports:batch": Route(kwargs=pk("import_batch"), inspector_reads=False),
    "imports:progress": Route(kwargs=pk("import_batch"), inspector_reads=False),
    "imports:errors_csv": Route(kwargs=pk("import_batch"), inspector_reads=False),
    "imports:errors_xlsx": Route(kwargs=pk("import_batch"), inspector_reads=False),
    "imports:file": Route(kwargs=pk("import_batch"), inspector_reads=False),
    "imports:confirm": Route(
        kwargs=pk("import_batch"),
        read=False,
        writes=(post(),),
        read_only=("bureau",),
        inspector_reads=False,
    ),  # fmt: skip
    "dashboard": Route(),
    "my_school": Route(),
    "notifications": Route(),
    # A person's own channels (its POST writes only their own: PERSONAL below) and a
    # region's defaults, whose region choice lists only regions in the reader's scope.
    "notification_settings": Route(),
    "notification_defaults": Route(),
    # Work-chat robots: read and changed only by whoever manages them (a coordinator for
    # the school, the bureau above); anyone else, the inspector too, is told nothing (404).
    "robot_list": Route(),
    "robot_create": Route(read=False, writes=(FORM, post(robot_payload))),
    "robot_detail": Route(kwargs=pk("robot"), read_only=(), inspector_reads=False),
    "robot_test": Route(
        kwargs=pk("robot"), read=False, writes=(post(),), read_only=(), inspector_reads=False
    ),
    "robot_pause": Route(
        kwargs=pk("robot"), read=False, writes=(post(),), read_only=(), inspector_reads=False
    ),
    "robot_resume": Route(
        kwargs=pk("robot"), read=False, writes=(post(),), read_only=(), inspector_reads=False
    ),
    "robot_delete": Route(
        kwargs=pk("robot"), read=False, writes=(post(),), read_only=(), inspector_reads=False
    ),
    "schools:school_list": Route(),
    "schools:school_export": Route(),
    "schools:school_export_xlsx": Route(),
    "schools:school_create": Route(
        read=False,
        writes=(
            FORM,
            post(school_payload),
        ),
    ),
    "schools:school_detail": Route(kwargs=pk("helping")),
    "schools:school_edit": Route(
        kwargs=pk("helping"),
        read=False,
        writes=(
            FORM,
            post(school_payload),
        ),
    ),
    "schools:day_overrides": Route(writes=(post(day_override_payload),)),
    # A teacher of 东城县 reads only the exceptions that hold for them: not 西山县's.
    "schools:day_override_remove": Route(
        kwargs=pk("day_override"), read=False, writes=(post(),), read_only=("inspector",)
    ),
    "schools:term_dates": Route(writes=(post(term_dates_payload),)),
    # 西山县's own dates, as for its exceptions: a teacher of 东城县 does not read them.
    "schools:term_dates_remove": Route(
        kwargs=pk("term_dates"), read=False, writes=(post(),), read_only=("inspector",)
    ),
    "schools:programme_list": Route(),
    "schools:programme_export_csv": Route(),
    "schools:programme_export_xlsx": Route(),
    "schools:programme_create": Route(
        read=False,
        writes=(
            FORM,
            post(programme_payload),
        ),
    ),
    "schools:programme_detail": Route(kwargs=pk("programme")),
    # A programme's rules: every reader of the programme reads them; its bureau changes them.
    "activities:programme_targets": Route(kwargs=pk("programme"), writes=(post(target_payload),)),
    "activities:targets_adopt": Route(kwargs=pk("programme"), read=False, writes=(post(),)),
    "activities:target_edit": Route(
        kwargs=pk("target"),
        read=False,
        writes=(FORM, post(lambda s: {"minimum": 3, "period": "term", "side": "either"})),
    ),  # fmt: skip
    "activities:target_remove": Route(kwargs=pk("target"), read=False, writes=(post(),)),
    "teachers:programme_rules": Route(
        kwargs=pk("programme"),
        writes=(
            post(obligation_payload),
            post(lambda s: {"form": "policy", "max_mentee_years": 5}),
        ),
    ),  # fmt: skip
    "teachers:obligations_adopt": Route(kwargs=pk("programme"), read=False, writes=(post(),)),
    "teachers:obligation_edit": Route(
        kwargs=pk("obligation"),
        read=False,
        writes=(FORM, post(lambda s: {"minimum": 3, "period": "term"})),
    ),  # fmt: skip
    "teachers:obligation_remove": Route(kwargs=pk("obligation"), read=False, writes=(post(),)),
    "schools:programme_edit": Route(
        kwargs=pk("programme"),
        read=False,
        writes=(
            FORM,
            post(programme_payload),
        ),
    ),
    "schools:pairing_list": Route(),
    "schools:pairing_export": Route(),
    "schools:pairing_create": Route(
        read=False,
        writes=(
            FORM,
            post(pairing_payload),
        ),
    ),
    "schools:pairing_detail": Route(kwargs=pk("pairing")),
    "schools:pairing_plan": Route(kwargs=pk("pairing")),
    "schools:pairing_history": Route(kwargs=pk("pairing")),
    "schools:pairing_edit": Route(
        kwargs=pk("pairing"),
        read=False,
        writes=(
            FORM,
            post(lambda s: {"goals_summary": "改"}),
        ),
    ),
    "schools:pairing_agreement": Route(kwargs=pk("pairing")),
    "schools:pairing_transition": Route(
        kwargs=lambda s: {"pk": s.pairing.pk, "action": "terminate"},
        read=False,
        writes=(post(lambda s: {"reason": "撤并"}),),
    ),
    "schools:needs_save": Route(kwargs=pk("pairing"), read=False, writes=(post(needs_payload),)),
    "schools:goal_create": Route(kwargs=pk("pairing"), read=False, writes=(post(goal_payload),)),
    "schools:goal_progress": Route(
        kwargs=pk("goal"), read=False, writes=(post(lambda s: {"value": "2"}),)
    ),
    "schools:goal_delete": Route(kwargs=pk("goal"), read=False, writes=(post(),)),
    "schools:leading_group_add": Route(kwargs=pk("pairing"), read=False, writes=(post(person),)),
    "schools:leading_group_remove": Route(kwargs=pk("leader"), read=False, writes=(post(),)),
    "schools:contact_add": Route(kwargs=pk("pairing"), read=False, writes=(post(person),)),
    "schools:contact_remove": Route(kwargs=pk("contact"), read=False, writes=(post(),)),
    "teachers:teacher_list": Route(),
    "teachers:teacher_export_csv": Route(),
    "teachers:teacher_export_xlsx": Route(),
    "teachers:teacher_create": Route(read=False, writes=(FORM, post(teacher_payload))),
    "teachers:teacher_detail": Route(kwargs=pk("teacher")),
    "teachers:teacher_edit": Route(
        kwargs=pk("teacher"), read=False, writes=(FORM, post(teacher_payload))
    ),
    "teachers:mentorship_list": Route(),
    "teachers:mentorship_export_csv": Route(),
    "teachers:mentorship_export_xlsx": Route(),
    "teachers:mentorship_create": Route(read=False, writes=(FORM, post(mentorship_form_payload))),
    "teachers:review_queue": Route(),
    "teachers:review_queue_export_csv": Route(),
    "teachers:review_queue_export_xlsx": Route(),
    "teachers:compliance": Route(),
    "teachers:mentorship_detail": Route(kwargs=pk("mentorship")),
    "teachers:mentorship_accept": Route(
        kwargs=pk("mentorship"), read=False, writes=(post(),), read_only=BY_PAIR
    ),
    "teachers:mentorship_complete": Route(kwargs=pk("mentorship"), read=False, writes=(post(),)),
    "teachers:mentorship_terminate": Route(
        kwargs=pk("mentorship"), read=False, writes=(post(lambda s: {"reason": "调离"}),)
    ),
    "teachers:mentorship_agreement": Route(kwargs=pk("mentorship")),
    "teachers:record_create": Route(
        kwargs=pk("mentorship"),
        read=False,
        writes=(FORM, post(record_payload)),
        read_only=BY_PAIR,
    ),
    "teachers:record_edit": Route(
        kwargs=pk("record"),
        read=False,
        writes=(FORM, post(lambda s: {"date": "2026-11-20", "content": "改"})),
    ),
    "teachers:record_comment": Route(
        kwargs=pk("record"),
        read=False,
        writes=(post(lambda s: {"text": "好"}),),
        read_only=BY_PAIR,
    ),
    "teachers:record_sign_off": Route(
        kwargs=pk("record"), read=False, writes=(post(),), read_only=BY_PAIR
    ),
    "teachers:attachment_download": Route(kwargs=pk("attachment")),
    "teachers:attachment_thumbnail": Route(kwargs=pk("photo_attachment")),
    "teachers:pairing_mentorships": Route(kwargs=pk("pairing")),
    "activities:activity_list": Route(),
    "activities:activity_export_csv": Route(),
    "activities:activity_export_xlsx": Route(),
    "activities:activity_create": Route(
        kwargs=pk("pairing"), read=False, writes=(FORM, post(activity_payload))
    ),
    "activities:activity_detail": Route(kwargs=pk("activity")),
    "activities:activity_edit": Route(
        kwargs=pk("activity"), read=False, writes=(FORM, post(activity_payload))
    ),
    "activities:activity_complete": Route(
        kwargs=pk("activity"), read=False, writes=(post(lambda s: {"summary": "好"}),)
    ),
    "activities:activity_cancel": Route(
        kwargs=pk("activity"), read=False, writes=(post(lambda s: {"reason": "下雪"}),)
    ),
    "activities:activity_postpone": Route(
        kwargs=pk("activity"), read=False, writes=(post(postpone_payload),)
    ),
    "activities:evidence_add": Route(kwargs=pk("activity"), read=False, writes=(post(),)),
    "activities:evidence_download": Route(kwargs=pk("evidence")),
    "activities:evidence_thumbnail": Route(kwargs=pk("evidence")),
    "activities:evidence_remove": Route(kwargs=pk("evidence"), read=False, writes=(post(),)),
    "activities:pairing_exchanges": Route(kwargs=pk("pairing")),
    "activities:targets": Route(),
    "activities:kind_list": Route(writes=(post(kind_payload),), read_only=KIND_READERS),
    "activities:kind_edit": Route(
        kwargs=visit_kind,
        read=False,
        shared=True,
        read_only=KIND_READERS,
        writes=(FORM, post(lambda s: {"name_zh": "互访交流", "name_en": "Visit", "order": "1"})),
    ),
    # A participation record: the teacher, their coordinators, their bureau; not the
    # inspector, not the partner school (tests/test_participation.py).
    "activities:participation": Route(kwargs=pk("mentee_teacher"), inspector_reads=False),
    "activities:participation_pdf": Route(kwargs=pk("mentee_teacher"), inspector_reads=False),
    "activities:resource_list": Route(),
    "activities:resource_export_csv": Route(),
    "activities:resource_export_xlsx": Route(),
    "activities:pairing_resources": Route(
        kwargs=pk("pairing"), writes=(post(),), read_only=("inspector",), inspector_reads=False
    ),
    "activities:resource_download": Route(kwargs=pk("resource"), inspector_reads=False),
    "activities:resource_thumbnail": Route(kwargs=pk("resource"), inspector_reads=False),
    "activities:resource_remove": Route(
        kwargs=pk("resource"), read=False, writes=(post(),), read_only=("mentor",)
    ),
    "activities:calendar_month": Route(),
    "activities:calendar_week": Route(),
    "activities:secondment_list": Route(),
    "activities:secondment_export_csv": Route(),
    "activities:secondment_export_xlsx": Route(),
    "activities:secondment_create": Route(
        kwargs=pk("pairing"), read=False, writes=(FORM, post(secondment_payload))
    ),
    "activities:secondment_detail": Route(kwargs=pk("secondment")),
    "activities:secondment_edit": Route(
        kwargs=pk("secondment"), read=False, writes=(FORM, post(secondment_payload))
    ),
    "activities:secondment_cancel": Route(
        kwargs=pk("secondment"), read=False, writes=(post(lambda s: {"reason": "生病"}),)
    ),
    "activities:secondment_confirm_days": Route(
        kwargs=pk("secondment"), read=False, writes=(post(lambda s: {"days": 10}),)
    ),
    "funding:overview": Route(),
    "funding:budget_list": Route(),
    "funding:budget_export_csv": Route(),
    "funding:budget_export_xlsx": Route(),
    "funding:budget_create": Route(
        read=False, writes=(FORM, post(budget_payload)), read_only=FUNDS
    ),
    "funding:budget_detail": Route(kwargs=pk("budget")),
    "funding:budget_edit": Route(
        kwargs=pk("budget"), read=False, writes=(FORM, post(budget_payload)), read_only=FUNDS
    ),
    "funding:budget_allocate": Route(
        kwargs=pk("budget"), read=False, writes=(post(),), read_only=FUNDS
    ),
    "funding:tranche_release": Route(
        kwargs=pk("next_tranche"), read=False, writes=(post(),), read_only=FUNDS
    ),
    "funding:approval_queue": Route(),
    "funding:approval_queue_export_csv": Route(),
    "funding:approval_queue_export_xlsx": Route(),
    "funding:disbursement_list": Route(),
    "funding:disbursement_export_csv": Route(),
    "funding:disbursement_export_xlsx": Route(),
    "funding:disbursement_create": Route(
        kwargs=pk("pairing"), read=False, writes=(FORM, post(disbursement_payload))
    ),
    "funding:disbursement_detail": Route(kwargs=pk("disbursement"), read_only=FUNDS),
    "funding:disbursement_edit": Route(
        kwargs=pk("draft_disbursement"),
        read=False,
        writes=(FORM, post(disbursement_payload)),
        read_only=FUNDS,
    ),  # fmt: skip
    "funding:disbursement_submit": Route(
        kwargs=pk("draft_disbursement"), read=False, writes=(post(),), read_only=FUNDS
    ),
    "funding:disbursement_approve": Route(
        kwargs=pk("disbursement"), read=False, writes=(post(),), read_only=FUNDS
    ),
    "funding:disbursement_reject": Route(
        kwargs=pk("disbursement"),
        read=False,
        writes=(post(lambda s: {"comment": "不行"}),),
        read_only=FUNDS,
    ),  # fmt: skip
    "funding:disbursement_pay": Route(
        kwargs=pk("disbursement"),
        read=False,
        writes=(post(lambda s: {"paid_on": "2026-11-20", "reference": "PZ-1"}),),
        read_only=FUNDS,
    ),  # fmt: skip
    "funding:disbursement_reverse": Route(
        kwargs=pk("disbursement"),
        read=False,
        writes=(post(lambda s: {"reason": "退回"}),),
        read_only=FUNDS,
    ),  # fmt: skip
    "funding:disbursement_delete": Route(
        kwargs=pk("draft_disbursement"), read=False, writes=(post(),), read_only=FUNDS
    ),
    "funding:receipt_add": Route(
        kwargs=pk("draft_disbursement"), read=False, writes=(post(),), read_only=FUNDS
    ),
    "funding:receipt_download": Route(kwargs=pk("receipt"), read_only=FUNDS),
    "funding:receipt_thumbnail": Route(kwargs=pk("receipt"), read_only=FUNDS),
    "funding:receipt_remove": Route(
        kwargs=pk("receipt"), read=False, writes=(post(),), read_only=FUNDS
    ),
    "funding:ledger": Route(),
    "funding:ledger_export_csv": Route(),
    "funding:ledger_export_xlsx": Route(),
    "funding:pairing_funding": Route(kwargs=pk("pairing")),
    "funding:donation_list": Route(),
    "funding:donation_export_csv": Route(),
    "funding:donation_export_xlsx": Route(),
    "funding:donation_create": Route(
        kwargs=pk("pairing"), read=False, writes=(FORM, post(donation_payload))
    ),
    "funding:donation_detail": Route(kwargs=pk("donation"), read_only=FUNDS),
    "funding:donation_edit": Route(
        kwargs=pk("donation"),
        read=False,
        writes=(FORM, post(donation_payload)),
        read_only=FUNDS,
    ),  # fmt: skip
    "funding:donation_delete": Route(
        kwargs=pk("donation"), read=False, writes=(post(),), read_only=FUNDS
    ),
    "funding:donation_evidence_add": Route(
        kwargs=pk("donation"), read=False, writes=(post(),), read_only=FUNDS
    ),
    "funding:donation_evidence_download": Route(kwargs=pk("donation_photo"), read_only=FUNDS),
    "funding:donation_evidence_thumbnail": Route(kwargs=pk("donation_photo"), read_only=FUNDS),
    # Student aid: only the student's school's coordinators and the region's aid officers
    # (bureau2 here) see a student; the inspector and other bureau staff get 404, so the
    # refused-but-reading role is the coordinator, on what aid officers decide.
    "funding:aid_home": Route(),
    "funding:aid_export_csv": Route(),
    "funding:aid_export_xlsx": Route(),
    "funding:student_list": Route(),
    "funding:student_export_csv": Route(),
    "funding:student_export_xlsx": Route(),
    "funding:student_create": Route(read=False, writes=(FORM, post(student_payload)), read_only=()),
    "funding:student_detail": Route(kwargs=pk("student"), **PRIVATE),
    "funding:student_edit": Route(
        kwargs=pk("student"), read=False, writes=(FORM, post(student_payload)), **PRIVATE
    ),
    "funding:aid_apply": Route(
        kwargs=pk("student"),
        read=False,
        writes=(post(lambda s: {"scheme": s.scheme.pk, "tier": "一档", "school_year": 2026}),),
        **PRIVATE,
    ),  # fmt: skip
    "funding:aid_application_detail": Route(kwargs=pk("application"), **PRIVATE),
    "funding:aid_step": Route(
        kwargs=pk("application"),
        read=False,
        writes=(post(lambda s: {"step": "home_visit", "done_on": "2026-11-20"}),),
        **PRIVATE,
    ),  # fmt: skip
    "funding:aid_submit": Route(kwargs=pk("application"), read=False, writes=(post(),), **PRIVATE),
    "funding:aid_withdraw": Route(
        kwargs=pk("application"), read=False, writes=(post(),), **PRIVATE
    ),
    "funding:aid_objection": Route(
        kwargs=pk("application"),
        read=False,
        writes=(post(lambda s: {"content": "不实", "received_on": "2026-11-20"}),),
        **PRIVATE,
    ),  # fmt: skip
    "funding:aid_approve": Route(kwargs=pk("application"), read=False, writes=(post(),), **DECIDED),
    "funding:aid_reject": Route(
        kwargs=pk("application"),
        read=False,
        writes=(post(lambda s: {"comment": "不符"}),),
        **DECIDED,
    ),  # fmt: skip
    "funding:aid_pay": Route(
        kwargs=pk("application"),
        read=False,
        writes=(post(lambda s: {"paid_on": "2026-11-20", "reference": "ZZ-1"}),),
        **DECIDED,
    ),  # fmt: skip
    "funding:aid_review": Route(
        kwargs=pk("application"),
        read=False,
        writes=(post(lambda s: {"decision": "stop"}),),
        **DECIDED,
    ),  # fmt: skip
    "funding:aid_objection_resolve": Route(
        kwargs=pk("objection"),
        read=False,
        writes=(post(lambda s: {"resolution": "属实", "upheld": "on"}),),
        **DECIDED,
    ),  # fmt: skip
    "funding:aid_document": Route(kwargs=pk("aid_document"), **PRIVATE),
    "funding:aid_scheme_list": Route(),
    "funding:aid_scheme_export_csv": Route(),
    "funding:aid_scheme_export_xlsx": Route(),
    "funding:aid_scheme_create": Route(
        read=False, writes=(FORM, post(scheme_payload)), read_only=("coord_assisted",)
    ),
    "funding:aid_scheme_detail": Route(kwargs=pk("scheme"), **PRIVATE),
    "funding:aid_scheme_edit": Route(
        kwargs=pk("scheme"), read=False, writes=(FORM, post(scheme_payload)), **DECIDED
    ),
    "funding:aid_notice_list": Route(),
    "funding:aid_notice_export_csv": Route(),
    "funding:aid_notice_export_xlsx": Route(),
    "funding:aid_notice_create": Route(
        read=False, writes=(FORM, post(lambda s: {"school": s.assisted.pk})), read_only=()
    ),
    "funding:aid_notice_detail": Route(kwargs=pk("notice"), **PRIVATE),
    "funding:aid_notice_publish": Route(
        kwargs=pk("notice"), read=False, writes=(post(),), **DECIDED
    ),
    "funding:aid_access_log": Route(),
    "funding:aid_access_log_export_csv": Route(),
    "funding:aid_access_log_export_xlsx": Route(),
    # The yearly evaluation (tests/test_evaluation_pages.py): teachers read none of it; the
    # bureau of a member school's county reads it and takes no part (403 on every change).
    # --- evaluation pages (begin) ---
    "evaluation:scorecard_detail": Route(kwargs=pk("scorecard"), read_only=EVALUATION),
    "evaluation:pairing_evaluation": Route(kwargs=pk("pairing"), read_only=EVALUATION),
    "evaluation:scorecard_open": Route(
        kwargs=pk("pairing"),
        read=False,
        writes=(post(lambda s: {"year": "2"}),),
        read_only=EVALUATION,
    ),
    "evaluation:scorecard_list": Route(),
    "evaluation:scorecard_export_csv": Route(),
    "evaluation:scorecard_export_xlsx": Route(),
    "evaluation:inspection_queue": Route(),
    "evaluation:finalisation_queue": Route(),
    "evaluation:scorecard_self_assess": Route(
        kwargs=pk("scorecard"),
        read=False,
        writes=(FORM, post(self_assess_payload)),
        read_only=EVALUATION,
    ),
    "evaluation:scorecard_inspect": Route(
        kwargs=pk("scorecard"),
        read=False,
        writes=(FORM, post(inspect_payload)),
        read_only=EVALUATION,
    ),
    "evaluation:scorecard_submit": Route(
        kwargs=pk("scorecard"), read=False, writes=(post(),), read_only=EVALUATION
    ),
    "evaluation:scorecard_confirm": Route(
        kwargs=pk("scorecard"), read=False, writes=(post(),), read_only=EVALUATION
    ),
    "evaluation:scorecard_return": Route(
        kwargs=pk("scorecard"),
        read=False,
        writes=(post(lambda s: {"comment": "佐证不足"}),),
        read_only=EVALUATION,
    ),
    "evaluation:scorecard_finish_inspection": Route(
        kwargs=pk("scorecard"), read=False, writes=(post(),), read_only=EVALUATION
    ),
    "evaluation:scorecard_finalise": Route(
        kwargs=pk("scorecard"), read=False, writes=(post(),), read_only=EVALUATION
    ),
    "evaluation:scorecard_reopen": Route(
        kwargs=pk("scorecard"),
        read=False,
        writes=(post(lambda s: {"reason": "复核"}),),
        read_only=EVALUATION,
    ),
    "evaluation:evidence_download": Route(kwargs=pk("score_evidence")),
    "evaluation:evidence_thumbnail": Route(kwargs=pk("score_evidence")),
    "evaluation:evidence_remove": Route(
        kwargs=pk("score_evidence"), read=False, writes=(post(),), read_only=EVALUATION
    ),
    # The report archive (tests/test_documents.py, tests/test_document_archive.py): a
    # pairing's document read as the scorecard is, a region's by its bureau and inspectors;
    # only bureau staff ask for one or build one again (the inspector gets 403).
    "evaluation:document_download": Route(kwargs=pk("document")),
    "evaluation:document_list": Route(),
    "evaluation:region_documents": Route(kwargs=pk("city")),
    "evaluation:document_request": Route(
        read=False, writes=(post(document_request_payload),), read_only=("inspector", "mentor")
    ),
    "evaluation:document_detail": Route(kwargs=pk("region_document")),
    "evaluation:document_progress": Route(kwargs=pk("region_document")),
    "evaluation:document_download_xlsx": Route(kwargs=pk("region_document")),
    "evaluation:document_rebuild": Route(
        kwargs=pk("region_document"), read=False, writes=(post(),), read_only=("inspector",)
    ),
    # A finalised year's dossier (tests/test_dossier.py): read as the scorecard is.
    "evaluation:scorecard_dossier": Route(kwargs=pk("finalised_scorecard")),
    # --- evaluation pages (end) ---
    # --- evaluation templates and rankings (begin) ---
    # Scorecard templates (tests/test_evaluation_templates.py): bureau staff and inspectors
    # read them, only the programme's bureau changes them (the inspector gets 403);
    # coordinators and teachers find none. The rankings (tests/test_rankings.py) are read
    # as the scorecards are.
    "evaluation:template_list": Route(),
    "evaluation:template_detail": Route(kwargs=pk("template"), read_only=("inspector",)),
    "evaluation:template_edit": Route(
        kwargs=pk("template"),
        read=False,
        read_only=("inspector",),
        writes=(
            FORM,
            post(
                lambda s: {
                    "name": "改名",
                    "max_points": "90",
                    "band_excellent": "80",
                    "band_good": "70",
                    "band_pass": "60",
                    "opens_days_before": "20",
                    "description": "",
                }
            ),
        ),
    ),
    "evaluation:template_copy": Route(
        kwargs=pk("template"),
        read=False,
        read_only=("inspector",),
        writes=(post(lambda s: {"programme": s.programme.pk, "name": "新版本"}),),
    ),
    "evaluation:template_publish": Route(
        kwargs=pk("template"), read=False, writes=(post(),), read_only=("inspector",)
    ),
    "evaluation:template_delete": Route(
        kwargs=pk("template"), read=False, writes=(post(),), read_only=("inspector",)
    ),
    "evaluation:area_create": Route(
        kwargs=pk("template"),
        read=False,
        read_only=("inspector",),
        writes=(FORM, post(lambda s: {"name": "特色创新", "order": "60"})),
    ),
    "evaluation:area_edit": Route(
        kwargs=pk("area"),
        read=False,
        read_only=("inspector",),
        writes=(FORM, post(lambda s: {"name": "改名", "order": "1"})),
    ),
    "evaluation:area_remove": Route(
        kwargs=pk("area"), read=False, writes=(post(),), read_only=("inspector",)
    ),
    "evaluation:indicator_create": Route(
        kwargs=pk("template"),
        read=False,
        read_only=("inspector",),
        writes=(
            FORM,
            post(
                lambda s: {
                    "area": s.area.pk,
                    "code": "1.9",
                    "name": "新指标",
                    "max_points": "2",
                    "source": "manual",
                    "order": "90",
                }
            ),
        ),
    ),
    "evaluation:indicator_edit": Route(
        kwargs=pk("indicator"),
        read=False,
        read_only=("inspector",),
        writes=(
            FORM,
            post(
                lambda s: {
                    "area": s.area.pk,
                    "code": s.indicator.code,
                    "name": "改名",
                    "max_points": "3",
                    "source": "manual",
                    "order": "1",
                }
            ),
        ),
    ),
    "evaluation:indicator_remove": Route(
        kwargs=pk("indicator"), read=False, writes=(post(),), read_only=("inspector",)
    ),
    "evaluation:rankings": Route(),
    "evaluation:rankings_export_csv": Route(),
    "evaluation:rankings_export_xlsx": Route(),
    # --- evaluation templates and rankings (end) ---
    # API
    "api:region-list": Route(api=True),
    "api:region-detail": Route(kwargs=pk("east"), api=True),
    "api:school-list": Route(api=True, writes=(post(school_payload),)),
    "api:school-detail": Route(
        kwargs=pk("helping"), api=True, writes=(patch(lambda s: {"name": "改名"}),)
    ),
    "api:programme-list": Route(api=True, writes=(post(programme_payload),)),
    "api:programme-detail": Route(
        kwargs=pk("programme"), api=True, writes=(patch(lambda s: {"name": "改名"}),)
    ),
    "api:pairing-list": Route(api=True, writes=(post(pairing_payload),)),
    "api:pairing-detail": Route(
        kwargs=pk("pairing"), api=True, writes=(patch(lambda s: {"goals_summary": "改"}),)
    ),
    "api:pairing-propose": Route(kwargs=pk("pairing"), api=True, read=False, writes=(post(),)),
    "api:pairing-approve": Route(kwargs=pk("pairing"), api=True, read=False, writes=(post(),)),
    "api:pairing-reject": Route(
        kwargs=pk("pairing"), api=True, read=False, writes=(post(lambda s: {"comment": "不同意"}),)
    ),
    "api:pairing-activate": Route(
        kwargs=pk("pairing"),
        api=True,
        read=False,
        writes=(post(lambda s: {"agreement_signed_on": "2026-09-01"}),),
    ),  # fmt: skip
    "api:pairing-conclude": Route(kwargs=pk("pairing"), api=True, read=False, writes=(post(),)),
    "api:pairing-terminate": Route(
        kwargs=pk("pairing"), api=True, read=False, writes=(post(lambda s: {"reason": "撤并"}),)
    ),
    "api:needs-list": Route(api=True, writes=(post(needs_payload),)),
    "api:goal-list": Route(api=True, writes=(post(goal_payload),)),
    "api:goal-detail": Route(kwargs=pk("goal"), api=True, writes=(("delete", lambda s: {}),)),
    "api:goal-progress": Route(
        kwargs=pk("goal"), api=True, read=False, writes=(post(lambda s: {"value": "2"}),)
    ),
    "api:teacher-list": Route(
        api=True, writes=(post(lambda s: {"school": s.helping.pk, "name": "新老师"}),)
    ),
    "api:teacher-detail": Route(
        kwargs=pk("teacher"), api=True, writes=(patch(lambda s: {"phone": "13900000001"}),)
    ),
    "api:mentorship-list": Route(api=True, writes=(post(mentorship_payload),)),
    "api:mentorship-detail": Route(
        kwargs=pk("mentorship"), api=True, writes=(patch(lambda s: {"subject": "改"}),)
    ),
    "api:mentorship-accept": Route(
        kwargs=pk("mentorship"), api=True, read=False, writes=(post(),), read_only=BY_PAIR
    ),
    "api:mentorship-complete": Route(
        kwargs=pk("mentorship"), api=True, read=False, writes=(post(),)
    ),
    "api:mentorship-terminate": Route(
        kwargs=pk("mentorship"), api=True, read=False, writes=(post(lambda s: {"reason": "调离"}),)
    ),
    "api:mentorship-compliance": Route(kwargs=pk("mentorship"), api=True),
    "api:mentorship-rollup": Route(api=True),
    "api:record-list": Route(api=True, writes=(post(record_payload),), read_only=BY_PAIR),
    "api:record-detail": Route(
        kwargs=pk("record"), api=True, writes=(patch(lambda s: {"content": "改"}),)
    ),
    "api:record-comment": Route(
        kwargs=pk("record"),
        api=True,
        read=False,
        writes=(post(lambda s: {"text": "好"}),),
        read_only=BY_PAIR,
    ),
    "api:record-sign-off": Route(
        kwargs=pk("record"), api=True, read=False, writes=(post(),), read_only=BY_PAIR
    ),
    "api:record-attachments": Route(kwargs=pk("record"), api=True, read=False, writes=(post(),)),
    "api:attachment-detail": Route(kwargs=pk("attachment"), api=True),
    "api:activity-list": Route(api=True, writes=(post(activity_api_payload),)),
    "api:activity-detail": Route(
        kwargs=pk("activity"), api=True, writes=(patch(lambda s: {"title": "改"}),)
    ),
    "api:activity-complete": Route(
        kwargs=pk("activity"), api=True, read=False, writes=(post(lambda s: {"summary": "好"}),)
    ),
    "api:activity-cancel": Route(
        kwargs=pk("activity"), api=True, read=False, writes=(post(lambda s: {"reason": "下雪"}),)
    ),
    "api:activity-postpone": Route(
        kwargs=pk("activity"), api=True, read=False, writes=(post(postpone_api_payload),)
    ),
    "api:activity-evidence": Route(kwargs=pk("activity"), api=True, read=False, writes=(post(),)),
    "api:activity-kind-list": Route(
        api=True, writes=(post(kind_api_payload),), read_only=KIND_READERS
    ),
    "api:activity-kind-detail": Route(
        kwargs=lambda s: {"code": "visit"},
        api=True,
        read=False,
        shared=True,
        writes=(patch(lambda s: {"name_zh": "互访交流", "is_active": False}),),
        read_only=KIND_READERS,
    ),
    "api:secondment-list": Route(api=True, writes=(post(secondment_api_payload),)),
    "api:secondment-detail": Route(
        kwargs=pk("secondment"), api=True, writes=(patch(lambda s: {"duties": "改"}),)
    ),
    "api:secondment-cancel": Route(
        kwargs=pk("secondment"), api=True, read=False, writes=(post(lambda s: {"reason": "病"}),)
    ),
    "api:secondment-confirm-days": Route(
        kwargs=pk("secondment"), api=True, read=False, writes=(post(lambda s: {"days": 10}),)
    ),
    "api:exchange-target-list": Route(api=True),
    "api:programme-target-list": Route(
        api=True,
        writes=(
            post(
                lambda s: {
                    "programme": s.programme.pk,
                    "subject": "activity",
                    "kind": "lecture",
                    "minimum": 1,
                    "period": "year",
                    "side": "either",
                }
            ),
        ),
    ),  # fmt: skip
    "api:programme-target-detail": Route(
        kwargs=pk("target"),
        api=True,
        writes=(patch(lambda s: {"minimum": 3}), ("delete", lambda s: {})),
    ),  # fmt: skip
    "api:obligation-list": Route(
        api=True,
        writes=(
            post(
                lambda s: {
                    "programme": s.programme.pk,
                    "kind": "reading_note",
                    "filer": "mentee",
                    "minimum": 2,
                    "period": "month",
                }
            ),
        ),
    ),  # fmt: skip
    "api:obligation-detail": Route(
        kwargs=pk("obligation"),
        api=True,
        writes=(patch(lambda s: {"minimum": 3}), ("delete", lambda s: {})),
    ),  # fmt: skip
    "api:mentee-eligibility-detail": Route(
        kwargs=pk("programme"), api=True, writes=(("put", lambda s: {"max_mentee_years": 5}),)
    ),
    "api:day-override-list": Route(
        api=True, writes=(post(day_override_api_payload),), read_only=("inspector",)
    ),
    "api:day-override-detail": Route(
        kwargs=pk("day_override"),
        api=True,
        writes=(("delete", lambda s: {}),),
        read_only=("inspector",),
    ),  # fmt: skip
    "api:term-dates-list": Route(
        api=True, writes=(post(term_dates_api_payload),), read_only=("inspector",)
    ),
    "api:term-dates-detail": Route(
        kwargs=pk("term_dates"),
        api=True,
        writes=(("delete", lambda s: {}),),
        read_only=("inspector",),
    ),  # fmt: skip
    # Sharing a file (multipart) is tested in tests/test_resources.py.
    "api:resource-list": Route(api=True),
    "api:resource-detail": Route(
        kwargs=pk("resource"),
        api=True,
        writes=(("delete", lambda s: {}),),
        read_only=("mentor",),
        inspector_reads=False,
    ),  # fmt: skip
    "api:resource-file": Route(kwargs=pk("resource"), api=True, inspector_reads=False),
    "api:participation-detail": Route(kwargs=pk("mentee_teacher"), api=True, inspector_reads=False),
    "api:exchange-target-detail": Route(kwargs=pk("pairing"), api=True),
    "api:evidence-detail": Route(
        kwargs=pk("evidence"), api=True, writes=(("delete", lambda s: {}),)
    ),
    # Funding (tests/test_funding_api.py): teachers read none of it, as on the pages.
    "api:budget-list": Route(
        api=True,
        writes=(post(lambda s: {**budget_payload(s), "ring_fenced": True}),),
        read_only=FUNDS,
    ),
    "api:budget-detail": Route(
        kwargs=pk("budget"), api=True, writes=(patch(lambda s: {"purpose": "改"}),), read_only=FUNDS
    ),
    "api:budget-allocate": Route(
        kwargs=pk("budget"), api=True, read=False, writes=(post(),), read_only=FUNDS
    ),
    "api:allocation-list": Route(api=True, read_only=FUNDS),
    "api:allocation-detail": Route(kwargs=pk("allocation"), api=True, read_only=FUNDS),
    "api:tranche-detail": Route(kwargs=pk("tranche"), api=True, read_only=FUNDS),
    "api:tranche-release": Route(
        kwargs=pk("next_tranche"), api=True, read=False, writes=(post(),), read_only=FUNDS
    ),
    "api:disbursement-list": Route(
        api=True,
        writes=(
            post(
                lambda s: {
                    "pairing": s.pairing.pk,
                    "purpose": "transport",
                    "school": s.helping.pk,
                    "amount": "80.00",
                }
            ),
        ),
        read_only=FUNDS,
    ),  # fmt: skip
    "api:disbursement-detail": Route(
        kwargs=pk("draft_disbursement"),
        api=True,
        writes=(patch(lambda s: {"description": "改"}), ("delete", lambda s: {})),
        read_only=FUNDS,
    ),
    "api:disbursement-submit": Route(
        kwargs=pk("draft_disbursement"), api=True, read=False, writes=(post(),), read_only=FUNDS
    ),
    "api:disbursement-receipts": Route(
        kwargs=pk("draft_disbursement"), api=True, read=False, writes=(post(),), read_only=FUNDS
    ),
    "api:disbursement-approve": Route(
        kwargs=pk("disbursement"), api=True, read=False, writes=(post(),), read_only=FUNDS
    ),
    "api:disbursement-reject": Route(
        kwargs=pk("disbursement"),
        api=True,
        read=False,
        writes=(post(lambda s: {"comment": "不同意"}),),
        read_only=FUNDS,
    ),
    "api:disbursement-pay": Route(
        kwargs=pk("disbursement"),
        api=True,
        read=False,
        writes=(post(lambda s: {"paid_on": "2026-11-20", "reference": "PZ-1"}),),
        read_only=FUNDS,
    ),
    "api:disbursement-reverse": Route(
        kwargs=pk("disbursement"),
        api=True,
        read=False,
        writes=(post(lambda s: {"reason": "重复"}),),
        read_only=FUNDS,
    ),
    "api:ledger-entry-list": Route(api=True, read_only=FUNDS),
    "api:funding-totals-list": Route(api=True, read_only=FUNDS),
    # --- evaluation API (begin) ---
    # Templates (tests/test_evaluation_api.py): bureau staff and inspectors read them, the
    # programme's bureau keeps its own; the inspector gets 403 on every change.
    "api:scorecard-template-list": Route(
        api=True, writes=(post(template_copy_payload),), read_only=("inspector",)
    ),
    "api:scorecard-template-detail": Route(
        kwargs=pk("template"),
        api=True,
        writes=(patch(lambda s: {"name": "改"}), ("delete", lambda s: {})),
        read_only=("inspector",),
    ),
    "api:scorecard-template-publish": Route(
        kwargs=pk("template"), api=True, read=False, writes=(post(),), read_only=("inspector",)
    ),
    "api:scorecard-area-list": Route(
        api=True,
        writes=(post(lambda s: {"template": s.template.pk, "name": "特色"}),),
        read_only=("inspector",),
    ),
    "api:scorecard-area-detail": Route(
        kwargs=pk("area"),
        api=True,
        writes=(patch(lambda s: {"name": "改"}), ("delete", lambda s: {})),
        read_only=("inspector",),
    ),
    "api:scorecard-indicator-list": Route(
        api=True, writes=(post(indicator_payload),), read_only=("inspector",)
    ),
    "api:scorecard-indicator-detail": Route(
        kwargs=pk("indicator"),
        api=True,
        writes=(patch(lambda s: {"name": "改"}), ("delete", lambda s: {})),
        read_only=("inspector",),
    ),
    # Scorecards: teachers read none of them (404); the bureau of a member school's county
    # reads them and takes no part (403 on every step, before the body is read).
    "api:scorecard-list": Route(
        api=True,
        writes=(post(lambda s: {"pairing": s.pairing.pk, "year": 1}),),
        read_only=EVALUATION,
    ),
    "api:scorecard-detail": Route(kwargs=pk("scorecard"), api=True, read_only=EVALUATION),
    "api:scorecard-self-assess": Route(
        kwargs=pk("scorecard"),
        api=True,
        read=False,
        writes=(post(score_payload),),
        read_only=EVALUATION,
    ),
    "api:scorecard-evidence": Route(
        kwargs=pk("scorecard"), api=True, read=False, writes=(post(),), read_only=EVALUATION
    ),
    "api:scorecard-submit": Route(
        kwargs=pk("scorecard"), api=True, read=False, writes=(post(),), read_only=EVALUATION
    ),
    "api:scorecard-confirm": Route(
        kwargs=pk("scorecard"), api=True, read=False, writes=(post(),), read_only=EVALUATION
    ),
    "api:scorecard-return": Route(
        kwargs=pk("scorecard"),
        api=True,
        read=False,
        writes=(post(lambda s: {"comment": "佐证不足"}),),
        read_only=EVALUATION,
    ),
    "api:scorecard-inspect": Route(
        kwargs=pk("scorecard"),
        api=True,
        read=False,
        writes=(post(score_payload),),
        read_only=EVALUATION,
    ),
    "api:scorecard-finish-inspection": Route(
        kwargs=pk("scorecard"), api=True, read=False, writes=(post(),), read_only=EVALUATION
    ),
    "api:scorecard-finalise": Route(
        kwargs=pk("scorecard"), api=True, read=False, writes=(post(),), read_only=EVALUATION
    ),
    "api:scorecard-reopen": Route(
        kwargs=pk("scorecard"),
        api=True,
        read=False,
        writes=(post(lambda s: {"reason": "复核"}),),
        read_only=EVALUATION,
    ),
    "api:scorecard-evidence-detail": Route(
        kwargs=pk("score_evidence"),
        api=True,
        writes=(("delete", lambda s: {}),),
        read_only=EVALUATION,
    ),
    "api:scorecard-ranking-list": Route(api=True),
    "api:document-list": Route(
        api=True, writes=(post(document_request_api_payload),), read_only=("inspector", "mentor")
    ),
    "api:document-detail": Route(kwargs=pk("region_document"), api=True),
    "api:document-pdf": Route(kwargs=pk("document"), api=True),
    "api:document-xlsx": Route(kwargs=pk("region_document"), api=True),
    # --- evaluation API (end) ---
    "api:donation-list": Route(api=True, writes=(post(donation_api_payload),)),
    "api:donation-detail": Route(
        kwargs=pk("donation"),
        api=True,
        writes=(patch(lambda s: {"donor": "改"}),),
        read_only=FUNDS,
    ),  # fmt: skip
    "api:donation-evidence": Route(
        kwargs=pk("donation"), api=True, read=False, writes=(post(),), read_only=FUNDS
    ),
    # Student aid (tests/test_student_aid_api.py), as on the pages: the inspector reads no
    # student data (404, PRIVATE) and the student's coordinator reads what the aid officers
    # decide and gets 403 there (DECIDED). Creating needs a role that handles aid: the
    # inspector and the teacher get 403 before the body is read.
    "api:student-list": Route(api=True, writes=(post(student_payload),)),
    "api:student-detail": Route(
        kwargs=pk("student"), api=True, writes=(patch(lambda s: {"note": "改"}),), **PRIVATE
    ),
    "api:aid-scheme-list": Route(
        api=True,
        writes=(
            post(
                lambda s: {
                    "region": s.city.pk,
                    "name": "冬衣",
                    "kind": "winter_clothing",
                    "form": "in_kind",
                    "period": "year",
                    "tiers": [{"name": "一档", "items": "冬衣一套"}],
                }
            ),
        ),
        read_only=("inspector", "mentor", "coord_assisted"),
    ),
    "api:aid-scheme-detail": Route(
        kwargs=pk("scheme"), api=True, writes=(patch(lambda s: {"name": "改"}),), **DECIDED
    ),
    "api:aid-application-list": Route(
        api=True,
        writes=(
            post(
                lambda s: {
                    "student": s.student.pk,
                    "scheme": s.scheme.pk,
                    "tier": s.scheme.tiers.get().pk,
                    "school_year": 2026,
                }
            ),
        ),
    ),
    "api:aid-application-detail": Route(kwargs=pk("application"), api=True, **PRIVATE),
    "api:aid-application-steps": Route(
        kwargs=pk("application"),
        api=True,
        read=False,
        writes=(post(lambda s: {"step": "home_visit", "done_on": "2026-11-20"}),),
        **PRIVATE,
    ),
    "api:aid-application-documents": Route(
        kwargs=pk("application"), api=True, read=False, writes=(post(),), **PRIVATE
    ),
    "api:aid-application-submit": Route(
        kwargs=pk("application"), api=True, read=False, writes=(post(),), **PRIVATE
    ),
    "api:aid-application-withdraw": Route(
        kwargs=pk("application"), api=True, read=False, writes=(post(),), **PRIVATE
    ),
    "api:aid-application-objections": Route(
        kwargs=pk("application"),
        api=True,
        read=False,
        writes=(post(lambda s: {"content": "不实", "received_on": "2026-11-20"}),),
        **PRIVATE,
    ),
    "api:aid-application-approve": Route(
        kwargs=pk("application"), api=True, read=False, writes=(post(),), **DECIDED
    ),
    "api:aid-application-reject": Route(
        kwargs=pk("application"),
        api=True,
        read=False,
        writes=(post(lambda s: {"comment": "不符"}),),
        **DECIDED,
    ),
    "api:aid-application-pay": Route(
        kwargs=pk("application"),
        api=True,
        read=False,
        writes=(post(lambda s: {"paid_on": "2026-11-20", "reference": "ZZ-1"}),),
        **DECIDED,
    ),
    "api:aid-application-review": Route(
        kwargs=pk("application"),
        api=True,
        read=False,
        writes=(post(lambda s: {"decision": "stop"}),),
        **DECIDED,
    ),
    "api:aid-objection-resolve": Route(
        kwargs=pk("objection"),
        api=True,
        read=False,
        writes=(post(lambda s: {"resolution": "属实", "upheld": True}),),
        **DECIDED,
    ),
    "api:aid-notice-list": Route(
        api=True,
        writes=(
            post(
                lambda s: {
                    "school": s.assisted.pk,
                    "scheme": s.scheme.pk,
                    "period": "2026",
                    "starts_on": "2026-12-01",
                }
            ),
        ),
    ),
    "api:aid-notice-detail": Route(kwargs=pk("notice"), api=True, **PRIVATE),
    "api:aid-notice-publish": Route(
        kwargs=pk("notice"), api=True, read=False, writes=(post(),), **DECIDED
    ),
    "api:student-access-log-list": Route(api=True),
    "api:import-list": Route(api=True, writes=(post(lambda s: {"kind": "teachers"}),)),
    "api:import-kinds": Route(api=True),
    "api:import-detail": Route(kwargs=pk("import_batch"), api=True, inspector_reads=False),
    "api:import-confirm": Route(
        kwargs=pk("import_batch"),
        api=True,
        read=False,
        writes=(post(),),
        read_only=("bureau",),
        inspector_reads=False,
    ),  # fmt: skip
    # Notifications (tests/test_notification_api.py): a person's own only, bureau's here;
    # anyone else, the inspector too, finds none (404).
    "api:notification-list": Route(api=True),
    "api:notification-detail": Route(
        kwargs=pk("notification"), api=True, read_only=(), inspector_reads=False
    ),
    "api:notification-read": Route(
        kwargs=pk("notification"),
        api=True,
        read=False,
        writes=(post(),),
        read_only=(),
        inspector_reads=False,
    ),
    # Work-chat robots, as on the pages: found only by whoever manages them (404 for anyone
    # else); the inspector and teachers may not register any (403 before the body is read).
    "api:robot-list": Route(
        api=True,
        writes=(
            post(
                lambda s: {
                    "name": "江城实验小学结对工作群",
                    "platform": "wecom",
                    "webhook": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abcd-1234",
                    "school": s.helping.pk,
                }
            ),
        ),
    ),
    "api:robot-detail": Route(
        kwargs=pk("robot"),
        api=True,
        writes=(("delete", lambda s: {}),),
        read_only=(),
        inspector_reads=False,
    ),
    "api:robot-deliveries": Route(
        kwargs=pk("robot"), api=True, read_only=(), inspector_reads=False
    ),
    "api:robot-test": Route(
        kwargs=pk("robot"),
        api=True,
        read=False,
        writes=(post(),),
        read_only=(),
        inspector_reads=False,
    ),  # fmt: skip
    "api:robot-pause": Route(
        kwargs=pk("robot"),
        api=True,
        read=False,
        writes=(post(),),
        read_only=(),
        inspector_reads=False,
    ),  # fmt: skip
    "api:robot-resume": Route(
        kwargs=pk("robot"),
        api=True,
        read=False,
        writes=(post(),),
        read_only=(),
        inspector_reads=False,
    ),  # fmt: skip
}

# Routes that show no scoped record, with the reason.
PUBLIC = {
    "login", "logout", "password_change", "password_change_done",  # the user's own account
    "set_language", "language",  # a preference
    "api:token",  # the user's own token
    "api:schema", "api:swagger-ui", "api:api-root",  # the API's description, no data
    "healthz",  # liveness: says "ok" and nothing else
    "api:not-found",  # a JSON 404 for any unmatched path: tests/test_api_errors.py
    # A published aid notice, at its secret address: masked names only, and a 404 until
    # an aid officer publishes it (tests/test_student_aid_pages.py).
    "funding:aid_notice_public",
}  # fmt: skip

# Routes that only ever touch the requesting user's own records: notifications (tested
# below), the import forms and their calendar feed.
PERSONAL = {"notification_read", "notifications_read_all", "notification_settings_reset",
            # The API's: mark all of one's own read, one's own channels kind by kind
            # (tests/test_notification_api.py).
            "api:notification-read-all", "api:notification-preference-list",
            "api:notification-preference-detail",
            # The upload form and template of a kind of record: no record but the user's
            # own recent imports; who may import is tested in tests/test_imports.py.
            "imports:upload", "imports:template",
            # The user's own calendar address: tests/test_calendar_pages.py.
            "activities:calendar_feed", "activities:calendar_feed_make",
            "activities:calendar_feed_revoke", "activities:calendar_feed_ics"}  # fmt: skip


def route_names(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            ns = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            if ns == "admin:":
                continue  # the admin has its own scoped querysets: tests/test_admin.py
            yield from route_names(pattern, ns)
        elif isinstance(pattern, URLPattern):
            assert pattern.name, f"unnamed route {pattern.pattern} cannot be access-tested"
            yield f"{namespace}{pattern.name}"


def test_every_route_has_an_access_case():
    names = set(route_names())
    covered = set(ROUTES) | PUBLIC | PERSONAL
    assert names - covered == set(), "routes without an access case"
    assert covered - names == set(), "access cases for routes that no longer exist"


@pytest.fixture
def scene(world, active):
    """江城市 with an active pairing that has every kind of dependent record."""
    s = world
    s.pairing = active
    s.goal = services.goal_create(
        actor=s.coord_helping, pairing=active, school=s.assisted, title="培养市级骨干教师",
        target_value=2, unit="名", period_kind="year", school_year=2026,
    )  # fmt: skip
    services.needs_assessment_save(
        actor=s.coord_helping, pairing=active, school=s.assisted, dimension="staffing", rating=2
    )
    s.leader = services.leading_group_member_add(
        actor=s.coord_helping, pairing=active, school=s.helping, name="吴校长", position="leader"
    )
    s.contact = services.contact_add(
        actor=s.coord_helping, pairing=active, school=s.assisted, name="郑老师", phone="13900000000"
    )
    services.pairing_update(
        actor=s.coord_helping, pairing=active,
        agreement_file=ContentFile(b"%PDF-1.4 agreement", name="agreement.pdf"),
    )  # fmt: skip
    s.notification = tell(s.bureau, "test", "西山山村小学 proposed", url="/")
    s.robot = chat.robot_register(
        actor=s.coord_helping, name="江城实验小学结对工作群", platform="wecom",
        webhook="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=0f1e2d3c-secret",
        school=s.helping,
    )  # fmt: skip
    s.teacher = teacher_services.teacher_create(
        actor=s.coord_helping, school=s.helping, name="陈红梅", staff_number="JC-0001",
        honours=[{"kind": "key_teacher", "level": "city"}], user=s.mentor,
    )  # fmt: skip
    s.mentee_teacher = teacher_services.teacher_create(
        actor=s.coord_assisted, school=s.assisted, name="赵小燕", first_employed_year=2025,
        user=s.mentee,
    )  # fmt: skip
    s.mentorship = teacher_services.mentorship_create(
        actor=s.coord_helping, mentor=s.teacher, mentee=s.mentee_teacher, subject="语文",
        start=dt.date(2026, 9, 1), agreement_text="每周指导一次",
        agreement_file=SimpleUploadedFile("带教协议.pdf", b"%PDF-1.4 agreement"),
    )  # fmt: skip
    s.record = teacher_services.record_file(
        actor=s.mentee, mentorship=s.mentorship, kind="observation", date=dt.date(2026, 11, 20),
        lesson_class="三(2)班", lesson_topic="秋天的雨", observed="partner", content="陈红梅的课",
        attachments=[SimpleUploadedFile("听课.pdf", b"%PDF-1.4 notes")],
    )  # fmt: skip
    s.attachment = s.record.attachments.get()
    image = io.BytesIO()
    Image.new("RGB", (40, 30)).save(image, "JPEG")
    (s.photo_attachment,) = teacher_services.record_attachment_add(
        actor=s.mentee, record=s.record, files=[SimpleUploadedFile("板书.jpg", image.getvalue())]
    )[1:]
    s.activity, _clashes = activity_services.activity_schedule(
        actor=s.coord_helping, pairing=active, kind=ActivityKind.objects.get(code="visit"),
        title="西山山村小学互访", host_school=s.assisted, place="西山山村小学",
        starts_at=timezone.now() - dt.timedelta(days=1),
        ends_at=timezone.now() - dt.timedelta(hours=20), participants=[s.teacher],
    )  # fmt: skip
    s.evidence, s.sign_in = activity_services.evidence_add(
        actor=s.coord_helping, activity=s.activity,
        files=[SimpleUploadedFile("互访.jpg", image.getvalue()),
               SimpleUploadedFile("签到表.pdf", b"%PDF-1.4 sheet")],
    )  # fmt: skip
    s.resource = activity_services.resource_share(
        actor=s.coord_helping, pairing=active, upload=SimpleUploadedFile("板书.jpg", image_bytes()),
        title="西山山村小学语文教案", category="lesson_plan", subject="语文", grade="3",
    )  # fmt: skip
    s.day_override = services.day_override_set(
        actor=s.bureau, region=s.west, date=dt.date(_next_school_year() + 1, 2, 8),
        is_working_day=False,
        note="西山县春节放假",
    )  # fmt: skip
    activity_services.targets_adopt_defaults(actor=s.bureau, programme=s.programme)
    s.target = PairingTarget.objects.filter(programme=s.programme).first()
    teacher_services.obligations_adopt_defaults(actor=s.bureau, programme=s.programme)
    s.obligation = Obligation.objects.filter(programme=s.programme).first()
    year = _next_school_year()
    s.term_dates = services.term_dates_set(
        actor=s.bureau, region=s.west, school_year=year, term=1,
        start=dt.date(year, 8, 30), end=dt.date(year + 1, 1, 21),
    )  # fmt: skip
    s.secondment = activity_services.secondment_record(
        actor=s.coord_helping, pairing=active, kind="secondment", teacher=s.teacher,
        host_school=s.assisted, start=dt.date(2026, 9, 1), end=dt.date(2026, 12, 31),
        duties="挂职副校长，陈红梅分管教学",
    )  # fmt: skip
    s.budget = funding_services.budget_create(
        actor=s.bureau, region=s.city, programme=s.programme, source="江城市结对帮扶专项资金",
        fiscal_year=2026, amount="900000", purpose="城乡学校结对帮扶", ring_fenced=True,
    )  # fmt: skip
    s.allocation = funding_services.allocation_create(
        actor=s.bureau, budget=s.budget, pairing=active
    )
    s.tranche = s.allocation.tranches.get(number=1)
    funding_services.tranche_release(actor=s.bureau, tranche=s.tranche)
    s.next_tranche = s.allocation.tranches.get(number=2)
    # A meal allowance for 陈红梅's secondment, submitted, and a transport claim with its
    # receipt, still a draft.
    s.disbursement = funding_services.disbursement_submit(
        actor=s.coord_helping,
        disbursement=funding_services.disbursement_create(
            actor=s.coord_helping, pairing=active, purpose="meal_allowance",
            secondment=s.secondment, period_end=dt.date(2026, 9, 30),
        ),
    )  # fmt: skip
    s.draft_disbursement = funding_services.disbursement_create(
        actor=s.coord_helping, pairing=active, purpose="transport", payee_kind="school",
        school=s.helping, amount="320.00", description="西山山村小学互访车费",
        receipts=[SimpleUploadedFile("车票.jpg", image_bytes())],
    )  # fmt: skip
    s.receipt = s.draft_disbursement.receipts.get()
    s.donation = funding_services.donation_record(
        actor=s.coord_assisted, pairing=active, school=s.assisted, donor="江城市某科技公司",
        category="equipment", items="西山山村小学多媒体一体机", quantity=2, unit="台",
        estimated_value="16000", received_on=dt.date(2026, 10, 20),
        evidence=[SimpleUploadedFile("交接.jpg", image_bytes())],
    )  # fmt: skip
    s.donation_photo = s.donation.evidence.get()
    # Student aid: bureau2 holds the aid right; a pupil of 西山山村小学 on a notice, with an
    # objection, and the guardian's signed form.
    assign(s.bureau2, Role.AID, region=s.city)
    # The outsider handles aid in their own city: still nothing of 江城市.
    assign(s.outsider, Role.AID, region=s.far_city)
    s.scheme = funding_services.aid_scheme_create(
        actor=s.bureau2, region=s.city, name="江城市生活补助", kind="national_grant",
        form="money", period="year", tiers=[{"name": "一档", "amount": "1250"}],
    )  # fmt: skip
    s.student = funding_services.student_create(
        actor=s.coord_assisted, school=s.assisted, name="陈红梅", gender="f", grade="3",
        class_name="三(2)班", guardian_name="陈父", guardian_phone="13900000002",
    )  # fmt: skip
    s.application = funding_services.aid_application_create(
        actor=s.coord_assisted, student=s.student, scheme=s.scheme,
        tier=s.scheme.tiers.get(), school_year=2026,
    )  # fmt: skip
    for step in AidStep.values:
        funding_services.aid_step_record(
            actor=s.coord_assisted, application=s.application, step=step,
            done_on=timezone.localdate(),
            files=[SimpleUploadedFile("签字.pdf", b"%PDF-1.4 signed")]
            if step == "guardian_signature" else [],
        )  # fmt: skip
    s.aid_document = s.application.documents.get()
    funding_services.aid_application_submit(actor=s.coord_assisted, application=s.application)
    s.notice = funding_services.aid_notice_open(
        actor=s.coord_assisted, school=s.assisted, scheme=s.scheme, period="2026",
        starts_on=timezone.localdate(),
    )  # fmt: skip
    # Running since yesterday (it opened on the next working day; dated back so that an
    # objection can be received today whatever day the suite runs).
    today = timezone.localdate()
    AidNotice.objects.filter(pk=s.notice.pk).update(
        starts_on=today - dt.timedelta(days=1), ends_on=today + dt.timedelta(days=7)
    )
    s.notice.refresh_from_db()
    s.objection = funding_services.aid_objection_record(
        actor=s.coord_assisted, application=s.application, content="家庭情况不实",
        received_on=today,
    )  # fmt: skip
    # The yearly evaluation: year 1's scorecard, open, with a self-assessed score and its
    # photo as evidence; the programme's own draft template (a copy of the default). The
    # bureau of 西山县 reads the scorecard (a member school's county) and takes no part in
    # it: the read-only persona of every evaluation write.
    s.scorecard = evaluation_services.scorecard_open(pairing=active, year=1)
    s.score = (
        s.scorecard.scores.filter(indicator__source="manual").order_by("indicator__code").first()
    )
    evaluation_services.scorecard_self_assess(
        actor=s.coord_helping, scorecard=s.scorecard,
        entries={s.score.indicator_id: {"score": "3", "note": "西山山村小学自评"}},
        uploads={s.score.indicator_id: [SimpleUploadedFile("佐证.jpg", image_bytes())]},
    )  # fmt: skip
    s.score_evidence = s.score.evidence.get()
    # A built yearly evaluation of the pair (a stand-in file: building one is
    # tests/test_documents.py's business, and slow).
    s.document = Document.objects.create(
        kind="pairing_evaluation", pairing=active, region=active.region, period="1",
        period_start=s.scorecard.period_start, period_end=s.scorecard.period_end,
        title="江城实验小学与西山山村小学结对帮扶第1年度考核评估", status=DocumentStatus.READY,
        pdf=ContentFile(b"%PDF-1.4 evaluation", name="evaluation.pdf"),
    )  # fmt: skip
    # A region's quarterly summary (stand-in files too).
    s.region_document = Document.objects.create(
        kind="quarterly_summary", region=s.city, period="2026-Q3",
        period_start=dt.date(2026, 7, 1), period_end=dt.date(2026, 9, 30),
        title="江城市结对帮扶工作季度汇总（2026年第三季度）", status=DocumentStatus.READY,
        pdf=ContentFile(b"%PDF-1.4 summary", name="summary.pdf"),
        xlsx=ContentFile(b"PK summary", name="summary.xlsx"),
    )  # fmt: skip
    # Year 2, finalised (a stand-in: the workflow is tests/test_evaluation.py's), for the
    # routes only a finalised year has (its dossier).
    year_2 = s.scorecard.period_end + dt.timedelta(days=1)
    s.finalised_scorecard = Scorecard.objects.create(
        pairing=active, programme=s.scorecard.programme, region_id=s.scorecard.region_id,
        helping_school_id=s.scorecard.helping_school_id, template=s.scorecard.template, year=2,
        period_start=year_2, period_end=year_2.replace(year=year_2.year + 1) - dt.timedelta(1),
        opens_on=year_2, due_on=year_2, status="finalised", total=80, grade="good",
        passed=True, pass_mark=75, finalised_at=timezone.now(), finalised_by=s.bureau,
    )  # fmt: skip
    s.template = evaluation_services.template_copy(
        actor=s.bureau, source=ScorecardTemplate.objects.get(programme__isnull=True),
        programme=s.programme, name="江城市城乡学校结对帮扶考核表",
    )  # fmt: skip
    s.area = s.template.areas.order_by("order").first()
    s.indicator = s.template.indicators.order_by("code").first()
    s.county_bureau = assign(
        UserFactory(username="county_bureau", full_name="西山县教育局"), Role.BUREAU,
        region=s.west,
    )  # fmt: skip
    # A file of teachers the helping school's coordinator uploaded, with an error.
    s.import_batch = imports.import_upload(
        actor=s.coord_helping, kind=imports.KINDS["teachers"], filename="江城实验小学教师.csv",
        content="学校标识码,姓名,工号\n3451000001,陈红梅,JC-0001\n3451000001,,JC-0009\n".encode(),
    )  # fmt: skip
    return s


def image_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30)).save(out, "JPEG")
    return out.getvalue()


def snapshot():
    """Everything a forbidden request might change."""
    models = (Region, School, Programme, Pairing, PairingTransition, NeedsAssessment, Goal,
              ProgressUpdate, LeadingGroupMember, ContactPerson, Teacher, Honour, Mentorship,
              MentorshipRecord, RecordComment, RecordAttachment, Activity, Participation,
              Evidence, Reschedule, Secondment, DayOverride, TermDates, Resource, Budget,
              Allocation, Tranche, Disbursement, DisbursementTransition, Receipt, LedgerEntry,
              Donation, DonationEvidence, Student, AidScheme, AidApplication, AidNotice,
              AidObjection, AidTier, AidStepRecord, AidDocument, AidReview,
              StudentAccessLog, ImportBatch, ScorecardTemplate, Area, Indicator, Scorecard,
              IndicatorScore, ScoreEvidence, ScorecardEvent, ChatRobot, Delivery,
              NotificationPreference, RegionNotificationDefault, ActivityKind)  # fmt: skip
    return (
        [m.objects.count() for m in models],
        list(
            Pairing.objects.order_by("pk").values_list("status", "goals_summary", "agreement_file")
        ),
        list(School.objects.order_by("pk").values_list("name", "code")),
        list(TermDates.objects.order_by("pk").values_list("start", "end")),
        list(Programme.objects.order_by("pk").values_list("name", "is_open")),
        list(Goal.objects.order_by("pk").values_list("current_value", flat=True)),
        list(Notification.objects.order_by("pk").values_list("read_at", flat=True)),
        list(ChatRobot.objects.order_by("pk").values_list("name", "status", "token")),
        list(Teacher.objects.order_by("pk").values_list("name", "phone", "staff_number")),
        list(Mentorship.objects.order_by("pk").values_list(
            "status", "subject", "mentor_accepted_at", "mentee_accepted_at")),
        list(MentorshipRecord.objects.order_by("pk").values_list(
            "content", "signed_off_at")),
        list(Activity.objects.order_by("pk").values_list(
            "status", "title", "starts_at", "summary")),
        list(ActivityKind.objects.order_by("pk").values_list(
            "name_zh", "name_en", "order", "is_active")),
        list(Secondment.objects.order_by("pk").values_list(
            "start", "end", "duties", "cancelled_at")),
        list(Budget.objects.order_by("pk").values_list("amount", "source", "purpose")),
        list(Tranche.objects.order_by("pk").values_list("status", "released_at")),
        list(Disbursement.objects.order_by("pk").values_list(
            "status", "amount", "description", "payment_reference")),
        list(Donation.objects.order_by("pk").values_list("donor", "items", "estimated_value")),
        list(Student.objects.order_by("pk").values_list("name", "guardian_phone", "note")),
        list(AidApplication.objects.order_by("pk").values_list("status", "tier", "paid_on")),
        list(AidNotice.objects.order_by("pk").values_list("published_at", flat=True)),
        list(AidObjection.objects.order_by("pk").values_list("resolved_at", "upheld")),
        list(ScorecardTemplate.objects.order_by("pk").values_list(
            "name", "max_points", "published_at")),
        list(Indicator.objects.order_by("pk").values_list("name", "max_points", "source")),
        list(Area.objects.order_by("pk").values_list("name", "order")),
        list(Scorecard.objects.order_by("pk").values_list("status", "total", "finalised_at")),
        list(IndicatorScore.objects.order_by("pk").values_list(
            "self_score", "self_note", "inspector_score", "override_points")),
    )  # fmt: skip


def request(user, name, route, scene, method="get", payload=None, query=""):
    client = APIClient()
    client.force_authenticate(user) if route.api else client.force_login(user)
    url = reverse(name, kwargs=route.kwargs(scene) if route.kwargs else None) + query
    data = payload(scene) if payload else None
    if route.api:
        return getattr(client, method)(url, data, format="json")
    return getattr(client, method)(url, data) if data is not None else getattr(client, method)(url)


OBJECT_ROUTES = sorted(n for n, r in ROUTES.items() if r.kwargs and not r.shared)
LIST_ROUTES = sorted(n for n, r in ROUTES.items() if not r.kwargs and r.read)
WRITES = sorted((n, i) for n, r in ROUTES.items() for i in range(len(r.writes)))
READ_OBJECT_ROUTES = sorted(
    n for n, r in ROUTES.items() if r.kwargs and r.read and r.inspector_reads
)


@pytest.mark.parametrize("name", OBJECT_ROUTES)
def test_outsider_gets_404_on_every_object_of_another_region(scene, name):
    route = ROUTES[name]
    before = snapshot()
    if route.read:
        assert request(scene.outsider, name, route, scene).status_code == 404
    for method, payload in route.writes:
        assert request(scene.outsider, name, route, scene, method, payload).status_code == 404
    assert snapshot() == before


@pytest.mark.parametrize("name", LIST_ROUTES)
@pytest.mark.parametrize("term", ["", "3451000001", "西山"])
def test_outsider_sees_nothing_of_another_region_in_lists_searches_and_downloads(scene, name, term):
    route = ROUTES[name]
    query = f"?q={term}&search={term}" if term else ""
    response = request(scene.outsider, name, route, scene, query=query)
    assert response.status_code in (200, 302)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if response.get("Content-Type") == XLSX_TYPE:
        # A workbook is a zip: read its cells, or a leak would be compressed out of sight.
        sheet = openpyxl.load_workbook(io.BytesIO(body)).active
        body = "\n".join(str(c) for row in sheet.iter_rows(values_only=True) for c in row).encode()
    # The search box repeats what was typed; that is not a leak.
    text = body.decode("utf-8", errors="replace").replace(term, "") if term else body.decode()
    assert not [secret for secret in SECRETS if secret in text]


READ_ONLY_WRITES = sorted(
    (n, i, persona)
    for n, r in ROUTES.items()
    for i in range(len(r.writes))
    for persona in r.read_only
)


@pytest.mark.parametrize("name,index,persona", READ_ONLY_WRITES)
def test_read_only_roles_get_403_on_every_change_and_nothing_changes(scene, name, index, persona):
    route = ROUTES[name]
    method, payload = route.writes[index]
    before = snapshot()
    response = request(getattr(scene, persona), name, route, scene, method, payload)
    assert response.status_code == 403, response.content[:300]
    assert snapshot() == before


@pytest.mark.parametrize("name", READ_OBJECT_ROUTES)
def test_inspector_reads_every_object_in_the_region(scene, name):
    response = request(scene.inspector, name, ROUTES[name], scene)
    assert response.status_code == 200


def test_notifications_are_only_ever_the_users_own(scene, client):
    before = snapshot()
    client.force_login(scene.bureau2)
    url = reverse("notification_read", kwargs={"pk": scene.notification.pk})
    assert client.post(url).status_code == 404
    client.post(reverse("notifications_read_all"))
    assert snapshot() == before
    client.force_login(scene.bureau)
    assert client.post(url).status_code == 302
    scene.notification.refresh_from_db()
    assert scene.notification.read_at is not None


def test_health_check_answers_without_signing_in(client, db):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_unauthenticated_visitors_are_sent_to_login(scene, client):
    for name, route in ROUTES.items():
        url = reverse(name, kwargs=route.kwargs(scene) if route.kwargs else None)
        response = client.get(url)
        if route.api:
            assert response.status_code in (401, 403), name
        else:
            assert response.status_code in (302, 405), name
            if response.status_code == 302:
                assert response.url.startswith(reverse("login")), name
