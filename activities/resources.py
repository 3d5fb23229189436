"""Import and export of exchange activities as xlsx or CSV: the django-import-export
resource of :class:`~activities.models.Activity` (not to be confused with
:class:`~activities.models.Resource`, a pairing's shared teaching resources).

A row names its pairing by the codes of its helping and assisted schools (and, when
the two share several approved or active pairings, by the pairing's number), among the
pairings whose activities the importing user schedules; any other is an error like an
unknown code. A row matches the activity of that pairing with the same kind, start and
title: a still open one is changed, a completed or cancelled one may not be; otherwise
it schedules one, through :mod:`activities.services`. Participants are not imported.
One wrong row keeps the whole file from being written.
"""

from __future__ import annotations

import copy
import datetime as dt
import re

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import fields, widgets

from schools.models import Pairing, PairingMember
from twinning import access
from twinning.access import resolve_scope
from twinning.resources import (
    ChoiceWidget,
    CountWidget,
    LongTextWidget,
    RequiredTextWidget,
    SchoolByCodeWidget,
    ScopedResource,
    TextWidget,
    cell_text,
    code_text,
    half_width,
    parse_date,
)

from . import selectors, services
from .models import Activity, ActivityKind, ActivityStatus

# attribute → column header, in file order
COLUMNS = {
    "helping_school": "帮扶学校标识码",
    "assisted_school": "受援学校标识码",
    "pairing": "结对编号",
    "kind": "活动类型",
    "title": "标题",
    "starts_at": "开始时间",
    "ends_at": "结束时间",
    "host_school": "承办学校标识码",
    "place": "地点",
    "online_link": "线上链接",
    "student_count": "参与学生数",
    "description": "活动方案",
    "status": "状态",
    "summary": "活动总结",
}
DATETIME_EXAMPLES = "2026-09-01 09:00、2026/9/1 9:00、2026年9月1日 9:00"

# A time after the date: 9:00, 09:00:00, 9时30分, 9点.
_TIME = re.compile(
    r"^(?P<date>.+?)[\sT]*(?P<hour>\d{1,2})"
    r"(?::(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.\d+)?)?|[时点](?:(?P<minute_zh>\d{1,2})分)?)$"
)
_EXCEL_EPOCH = dt.datetime(1899, 12, 30)


def parse_datetime(value) -> dt.datetime | None:
    """A date and time as offices write it: a date-and-time cell, 2026-09-01 09:00,
    2026/9/1 9:00, 2026年9月1日 9:00 (or 9时30分), or Excel's day number with its
    fraction; aware, in the site's time zone (Asia/Shanghai). Empty is None. Raises
    ``ValueError`` with a message for the user otherwise."""
    message = _("Enter a date and time such as %(examples)s.") % {"examples": DATETIME_EXAMPLES}
    zone = timezone.get_default_timezone()
    if isinstance(value, dt.datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value, zone)
    if isinstance(value, int | float) and not isinstance(value, bool):
        if not 20000 <= value <= 80000:  # 1954 … 2119: a day number
            raise ValueError(message)
        moment = _EXCEL_EPOCH + dt.timedelta(minutes=round(value * 24 * 60))
        return timezone.make_aware(moment, zone)
    text = half_width(cell_text(value))
    if not text:
        return None
    match = _TIME.match(text)
    if match is None:
        raise ValueError(message)
    try:
        day = parse_date(match["date"].strip())
        time = dt.time(
            int(match["hour"]),
            int(match["minute"] or match["minute_zh"] or 0),
            int(match["second"] or 0),
        )
    except ValueError:
        raise ValueError(message) from None
    if day is None:
        raise ValueError(message)
    return timezone.make_aware(dt.datetime.combine(day, time), zone)


class DateTimeWidget(widgets.Widget):
    """A date and time: see :func:`parse_datetime`; written back as 2026-09-01 09:00 in
    the site's time zone."""

    def clean(self, value, row=None, **kwargs):
        return parse_datetime(value)

    def render(self, value, obj=None, **kwargs):
        if not value:
            return ""
        local = timezone.localtime(value, timezone.get_default_timezone())
        return local.strftime("%Y-%m-%d %H:%M:%S" if local.second else "%Y-%m-%d %H:%M")


class RequiredDateTimeWidget(DateTimeWidget):
    def clean(self, value, row=None, **kwargs):
        moment = parse_datetime(value)
        if moment is None:
            raise ValueError(forms.Field.default_error_messages["required"])
        return moment


class KindWidget(widgets.Widget):
    """A kind of activity by its Chinese or English name or its code, among
    ``kinds_by_text`` (every kind, loaded once for the whole file)."""

    def __init__(self, **kwargs):
        self.kinds_by_text: dict[str, ActivityKind] = {}
        super().__init__(**kwargs)

    def clean(self, value, row=None, **kwargs):
        text = cell_text(value)
        if not text:
            raise ValueError(forms.Field.default_error_messages["required"])
        kind = self.kinds_by_text.get(text) or self.kinds_by_text.get(text.lower())
        if kind is None:
            names = dict.fromkeys(k.name_zh for k in self.kinds_by_text.values() if k.is_active)
            raise ValueError(
                _("Unknown kind of activity; write one of %(kinds)s.") % {"kinds": "、".join(names)}
            )
        return kind

    def render(self, value, obj=None, **kwargs):
        return value.name if value else ""


def _same_moment(a, b) -> bool:
    # An exported time has no fraction of a second.
    return a is not None and b is not None and a.replace(microsecond=0) == b.replace(microsecond=0)


class ActivityResource(ScopedResource):
    COLUMNS = COLUMNS
    REQUIRED = (
        "helping_school", "assisted_school", "kind", "title", "starts_at", "ends_at",
        "host_school",
    )  # fmt: skip
    EXAMPLE = {
        "helping_school": "1234567890",
        "assisted_school": "1234567891",
        "kind": "送教/示范课",
        "title": "送教下乡：三年级语文",
        "starts_at": "2026-09-15 09:00",
        "ends_at": "2026-09-15 11:30",
        "host_school": "1234567891",
        "place": "示例村小学多功能教室",
        "student_count": "40",
        "description": "示范课一节，课后集体评课。",
    }

    # The pairing is found by these three columns together (see _pairing_of); they are
    # read there, and written by the dehydrate methods.
    helping_school = fields.Field(column_name=COLUMNS["helping_school"], widget=TextWidget())
    assisted_school = fields.Field(column_name=COLUMNS["assisted_school"], widget=TextWidget())
    pairing = fields.Field(column_name=COLUMNS["pairing"], widget=TextWidget())
    kind = fields.Field("kind", COLUMNS["kind"], KindWidget())
    title = fields.Field("title", COLUMNS["title"], RequiredTextWidget())
    starts_at = fields.Field("starts_at", COLUMNS["starts_at"], RequiredDateTimeWidget())
    ends_at = fields.Field("ends_at", COLUMNS["ends_at"], RequiredDateTimeWidget())
    host_school = fields.Field(
        "host_school",
        COLUMNS["host_school"],
        SchoolByCodeWidget(
            unknown=gettext_lazy(
                "No school with this code in a pairing whose activities you schedule."
            )
        ),
    )
    place = fields.Field("place", COLUMNS["place"], TextWidget())
    online_link = fields.Field("online_link", COLUMNS["online_link"], TextWidget())
    student_count = fields.Field("student_count", COLUMNS["student_count"], CountWidget())
    description = fields.Field("description", COLUMNS["description"], LongTextWidget())
    status = fields.Field("status", COLUMNS["status"], ChoiceWidget(ActivityStatus), readonly=True)
    summary = fields.Field("summary", COLUMNS["summary"], LongTextWidget(), readonly=True)

    class Meta:
        model = Activity
        fields = tuple(COLUMNS)
        import_order = export_order = tuple(COLUMNS)
        import_id_fields = ("title",)
        chunk_size = 1000

    def __init__(self, user=None, **kwargs):
        super().__init__(user=user, **kwargs)
        self._schools_by_code: dict = {}
        self.fields["host_school"].widget.schools_by_code = self._schools_by_code
        self._codes: dict[int, tuple[str, list[str]]] = {}

    def column_notes(self) -> list[list[str]]:
        notes = super().column_notes()
        kinds = "、".join(k.name_zh for k in selectors.kinds_in_use())
        extra = {
            "pairing": _(
                "The pairing's number; needed only when the two schools share several "
                "approved or active pairings."
            ),
            "kind": kinds,
            "starts_at": DATETIME_EXAMPLES,
            "ends_at": DATETIME_EXAMPLES,
            "place": _("The place, or the online link."),
        }
        for line, name in zip(notes, COLUMNS, strict=True):
            if name in extra:
                line[2] = extra[name]
        return notes

    # --- import ---------------------------------------------------------------------

    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        helping_column = COLUMNS["helping_school"]
        codes = (
            {code_text(c) for c in dataset[helping_column]}
            if helping_column in dataset.headers
            else set()
        )
        # The live pairings of the file's helping schools whose activities the user
        # schedules, with their member schools (two queries).
        members = PairingMember.objects.select_related("school")
        pairings = (
            Pairing.objects.filter(
                status__in=services.LIVE_PAIRING_STATUSES, helping_school__code__in=codes - {""}
            )
            .select_related("helping_school")
            .prefetch_related(Prefetch("members", queryset=members))
        )
        scope = resolve_scope(self.user)
        self._by_schools: dict[tuple[str, str], list[Pairing]] = {}
        self._helping_codes: set[str] = set()
        self._pairings: dict[int, Pairing] = {}
        self._schools_by_code.clear()
        for pairing in pairings:
            schools = [m.school for m in pairing.members.all()]
            if not access.can_schedule_activities(scope, pairing, {s.pk for s in schools}):
                continue
            self._pairings[pairing.pk] = pairing
            self._helping_codes.add(pairing.helping_school.code)
            self._schools_by_code.update({s.code: s for s in schools})
            for member in pairing.members.all():
                if member.role == PairingMember.Role.ASSISTED:
                    key = (pairing.helping_school.code, member.school.code)
                    self._by_schools.setdefault(key, []).append(pairing)
        kind_widget = self.fields["kind"].widget
        kind_widget.kinds_by_text.clear()
        for kind in ActivityKind.objects.order_by("-is_active", "order", "id"):
            for text in (kind.code, kind.name_zh, kind.name_en.lower()):
                kind_widget.kinds_by_text.setdefault(text, kind)
        # The activities a row may match, by pairing, kind, start and title.
        title_column = COLUMNS["title"]
        titles = (
            {cell_text(t) for t in dataset[title_column]}
            if title_column in dataset.headers
            else set()
        )
        self._existing: dict[tuple, Activity] = {}
        for activity in Activity.objects.filter(pairing_id__in=self._pairings, title__in=titles):
            activity.pairing = self._pairings[activity.pairing_id]
            self._existing[self._key(activity.pairing_id, activity.kind_id,
                                     activity.starts_at, activity.title)] = activity  # fmt: skip
        self._row: dict = {}

    @staticmethod
    def _key(pairing_id, kind_id, starts_at, title) -> tuple:
        return (pairing_id, kind_id, starts_at.replace(microsecond=0), title)

    def _pairing_of(self, row, errors: dict) -> Pairing | None:
        """The pairing a row names, or None with the reason in ``errors``."""
        helping_column, assisted_column = COLUMNS["helping_school"], COLUMNS["assisted_school"]
        pairing_column = COLUMNS["pairing"]
        helping = code_text(row.get(helping_column))
        assisted = code_text(row.get(assisted_column))
        if not helping:
            errors[helping_column] = _("Enter the school code.")
        elif helping not in self._helping_codes:
            errors[helping_column] = _(
                "No approved or active pairing whose activities you schedule has a helping "
                "school with this code."
            )
        if not assisted:
            errors[assisted_column] = _("Enter the school code.")
        if errors:
            return None
        candidates = self._by_schools.get((helping, assisted), [])
        if not candidates:
            errors[assisted_column] = _(
                "No approved or active pairing whose activities you schedule joins a school "
                "with this code to the helping school."
            )
            return None
        number = code_text(row.get(pairing_column))
        if number:
            found = [p for p in candidates if str(p.pk) == number]
            if not found:
                errors[pairing_column] = _(
                    "No approved or active pairing of these two schools has this number."
                )
                return None
            return found[0]
        if len(candidates) > 1:
            errors[pairing_column] = _(
                "These two schools share several approved or active pairings; give the "
                "pairing's number."
            )
            return None
        return candidates[0]

    def _clean_or_none(self, name: str, row):
        try:
            return self.fields[name].clean(row)
        except (KeyError, ValueError):
            return None  # reported with the row's other fields

    def before_import_row(self, row, row_number=None, **kwargs):
        super().before_import_row(row, row_number=row_number, **kwargs)
        errors: dict[str, str] = {}
        pairing = self._pairing_of(row, errors)
        kind = self._clean_or_none("kind", row)
        starts_at = self._clean_or_none("starts_at", row)
        title = self._clean_or_none("title", row)
        key = None
        if pairing and kind and starts_at and title:
            key = self._key(pairing.pk, kind.pk, starts_at, title)
        self._row = {"pairing": pairing, "errors": errors, "key": key}
        if key is not None:
            self.refuse_repeat(key, row_number, COLUMNS["title"], _(
                "An activity of this pairing with this kind, start and title is already in "
                "row %(row)s of the file."
            ))  # fmt: skip

    def get_instance(self, instance_loader, row):
        found = self._existing.get(self._row.get("key"))
        # A copy: the one loaded stays as it was, to compare with.
        return copy.deepcopy(found)

    def import_instance(self, instance, row, **kwargs):
        errors = {column: [message] for column, message in self._row["errors"].items()}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)
        if instance.pk is None:
            instance.pairing = self._row["pairing"]

    def skip_row(self, instance, original, row, import_validation_errors=None):
        if original is None or original.pk is None or import_validation_errors:
            return False
        for name in services.PLAN_FIELDS:
            attribute = Activity._meta.get_field(name).attname  # kind_id, host_school_id …
            new, old = getattr(instance, attribute), getattr(original, attribute)
            if name in ("starts_at", "ends_at"):
                same = _same_moment(new, old)
            elif isinstance(old, str):
                # As the file would carry it: line breaks and spaces as the cell reads them.
                same = new in (old, self.fields[name].widget.clean(old))
            else:
                same = new == old
            if not same:
                return False
        return True

    def do_instance_save(self, instance, is_create):
        values = {name: getattr(instance, name) for name in services.PLAN_FIELDS}
        if is_create:
            activity, _clashes = services.activity_schedule(
                actor=self.user, pairing=instance.pairing, **values
            )
            instance.pk = activity.pk
        else:
            # A completed or cancelled activity is refused here, by the service.
            services.activity_update(actor=self.user, activity=instance, **values)

    # --- export ---------------------------------------------------------------------

    def export(self, queryset=None, **kwargs):
        """The activities of ``queryset`` (already scoped by the caller's selector; by
        default every activity the user may see), with their pairings' school codes
        (one more query)."""
        if self.user is None:
            queryset = Activity.objects.none()
        elif queryset is None:
            queryset = selectors.activity_list_visible_to(self.user)
        self._codes = {}
        members = (
            PairingMember.objects.filter(pairing_id__in=queryset.order_by().values("pairing_id"))
            .order_by("id")
            .values_list("pairing_id", "role", "school__code")
        )
        for pairing_id, role, code in members:
            helping, assisted = self._codes.setdefault(pairing_id, ("", []))
            if role == PairingMember.Role.HELPING:
                self._codes[pairing_id] = (code, assisted)
            else:
                assisted.append(code)
        return super().export(queryset, **kwargs)

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("kind", "host_school")

    def dehydrate_helping_school(self, activity: Activity) -> str:
        return self._codes.get(activity.pairing_id, ("", []))[0]

    def dehydrate_assisted_school(self, activity: Activity) -> str:
        assisted = self._codes.get(activity.pairing_id, ("", []))[1]
        # Of a pairing with several assisted schools, the one that hosts.
        if activity.host_school.code in assisted:
            return activity.host_school.code
        return assisted[0] if assisted else ""

    def dehydrate_pairing(self, activity: Activity) -> str:
        return str(activity.pairing_id)
