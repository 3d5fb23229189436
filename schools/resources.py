"""Import and export of schools (for the School admin) and of pairings as CSV or XLSX
(django-import-export).

The columns carry fixed Chinese headers, the ones a bureau's own sheets use (the
attribute names, ``code``, ``name``, ``region`` …, are accepted too), so that a
file exported in either interface language imports again unchanged.

Rows are written through :mod:`schools.services` as the importing user, so the
rules of the pages hold: a row creates a school only in a region whose bureau the
user belongs to and updates only a school the user manages. A row with a
malformed or repeated code, an unknown region or stage is reported by row and
column, and then the whole file changes nothing.
"""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import fields, widgets

from twinning import access
from twinning.access import resolve_scope
from twinning.resources import (
    ChoiceWidget,
    CodeWidget,
    CountWidget,
    DateWidget,
    LongTextWidget,
    SchoolByCodeWidget,
    ScopedResource,
    TextWidget,
    cell_text,
    code_text,
    half_width,
    invalid,
)

from . import selectors, services
from .models import Pairing, PairingMember, PairingStatus, Programme, Region, School
from .selectors import school_list_visible_to

# attribute → column header, in file order
COLUMNS = {
    "code": "学校标识码",
    "name": "学校名称",
    "region": "行政区划代码",
    "stage": "学段",
    "location": "城乡",
    "enrolment": "在校生数",
    "staff_count": "教职工数",
    "address": "地址",
    "contact_name": "联系人",
    "contact_phone": "联系电话",
}


class RegionWidget(widgets.ForeignKeyWidget):
    """A region by its division code, among the regions where the user may add schools."""

    def __init__(self, **kwargs):
        super().__init__(Region, field="code", **kwargs)

    def get_queryset(self, value, row, *args, **kwargs):
        scope = resolve_scope(kwargs.get("user"))
        if scope.is_admin:
            return Region.objects.all()
        return Region.objects.filter(id__in=scope.bureau_region_ids)

    def clean(self, value, row=None, **kwargs):
        text = code_text(value)
        if not text:
            return None
        field = forms.ModelChoiceField(
            queryset=self.get_queryset(text, row, **kwargs), to_field_name="code"
        )
        try:
            return field.clean(text)
        except ValidationError as error:
            raise invalid(error) from None


class SchoolResource(ScopedResource):
    COLUMNS = COLUMNS
    REQUIRED = ("code", "name", "region", "stage")
    EXAMPLE = {
        "code": "2590102001",
        "name": "示例县实验小学",
        "region": "110105",
        "stage": "小学",
        "location": "乡村",
        "enrolment": "620",
        "staff_count": "48",
        "address": "示例县人民路1号",
        "contact_name": "李老师",
        "contact_phone": "13800000000",
    }

    code = fields.Field("code", COLUMNS["code"], CodeWidget())
    name = fields.Field("name", COLUMNS["name"], TextWidget())
    region = fields.Field("region", COLUMNS["region"], RegionWidget())
    stage = fields.Field("stage", COLUMNS["stage"], ChoiceWidget(School.Stage))
    location = fields.Field("location", COLUMNS["location"], ChoiceWidget(School.Location))
    enrolment = fields.Field("enrolment", COLUMNS["enrolment"], CountWidget())
    staff_count = fields.Field("staff_count", COLUMNS["staff_count"], CountWidget())
    address = fields.Field("address", COLUMNS["address"], TextWidget())
    contact_name = fields.Field("contact_name", COLUMNS["contact_name"], TextWidget())
    contact_phone = fields.Field("contact_phone", COLUMNS["contact_phone"], CodeWidget())

    class Meta:
        model = School
        fields = tuple(COLUMNS)
        import_order = export_order = tuple(COLUMNS)
        import_id_fields = ("code",)
        clean_model_instances = True  # the model's own checks (code format)

    # --- import ---------------------------------------------------------------------

    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        self._rows_by_code: dict[str, int] = {}

    def before_import_row(self, row, row_number=None, **kwargs):
        super().before_import_row(row, row_number=row_number, **kwargs)
        code = code_text(row.get(COLUMNS["code"]))
        if not code:
            return
        first = self._rows_by_code.setdefault(code, row_number)
        if first != row_number:
            raise ValidationError(
                {
                    "code": _("This school code is already used in row %(row)s of the file.")
                    % {"row": first}
                }
            )

    def after_init_instance(self, instance, new, row, **kwargs):
        # An existing school the user may not manage: say only that the code is taken,
        # and show none of its data in the preview.
        if not new and not access.can_manage_school(resolve_scope(self.user), instance):
            raise ValidationError({"code": School._meta.get_field("code").error_messages["unique"]})

    def do_instance_save(self, instance, is_create):
        values = {name: getattr(instance, name, None) for name in services.SCHOOL_FIELDS}
        if is_create:
            school = services.school_create(actor=self.user, **values)
            instance.pk = school.pk
        else:
            services.school_update(
                actor=self.user, school=School.objects.get(pk=instance.pk), **values
            )

    # --- export ---------------------------------------------------------------------

    def filter_export(self, queryset, **kwargs):
        """Only the schools the exporting user may see; nothing without a user."""
        if self.user is None:
            return queryset.none()
        visible = school_list_visible_to(self.user).order_by().values("pk")
        return queryset.filter(pk__in=visible).select_related("region")


# --- pairings ---------------------------------------------------------------------------


PAIRING_COLUMNS = {
    "programme": "项目名称",
    "helping_school": "帮扶学校标识码",
    "helping_school_name": "帮扶学校名称",
    "assisted_schools": "受援学校标识码",
    "assisted_school_names": "受援学校名称",
    "agreement_signed_on": "协议签订日期",
    "agreement_start": "协议开始日期",
    "agreement_end": "协议结束日期",
    "goals_summary": "帮扶目标",
    "status": "状态",
}
# The details an import writes; the schools and the programme are the row's key.
PAIRING_IMPORT_FIELDS = ("agreement_signed_on", "agreement_start", "agreement_end", "goals_summary")
# Several assisted schools in one cell: 3451000002、3451000003 (or , ; and spaces).
_CODE_SEPARATORS = re.compile(r"[、,，;；\s]+")
# A programme named with its first school year, where two share a name: 结对帮扶（2026）.
_NAME_YEAR = re.compile(r"^(?P<name>.+?)\s*[（(]\s*(?P<year>\d{4})\s*[)）]$")


def _codes(value) -> list[str]:
    return [c for c in _CODE_SEPARATORS.split(half_width(cell_text(value))) if c]


class ProgrammeWidget(widgets.Widget):
    """A programme by its name among ``programmes`` (those the importing user sees,
    loaded once for the whole file); where two of them share a name, by the name with
    the first school year after it: 结对帮扶（2026）."""

    def __init__(self, **kwargs):
        self.programmes: list[Programme] = []
        super().__init__(**kwargs)

    def clean(self, value, row=None, **kwargs):
        text = cell_text(value)
        if not text:
            raise ValueError(_("Enter the programme's name."))
        found = [p for p in self.programmes if p.name == text]
        match = _NAME_YEAR.match(half_width(text))
        if not found and match:
            found = [
                p
                for p in self.programmes
                if p.name == match["name"] and p.start_year == int(match["year"])
            ]
        if not found:
            raise ValueError(_("No programme with this name that you can see."))
        if len(found) > 1:
            raise ValueError(
                _(
                    "Several programmes have this name; write the first school year after "
                    "it, e.g. %(example)s."
                )
                % {"example": f"{found[0].name}（{found[0].start_year}）"}
            )
        return found[0]

    def render(self, value, obj=None, **kwargs):
        return value.name if value else ""


class SchoolsByCodeWidget(widgets.Widget):
    """One or more schools by their codes in one cell, among ``schools_by_code``."""

    def __init__(self, schools_by_code: dict | None = None, **kwargs):
        self.schools_by_code = {} if schools_by_code is None else schools_by_code
        super().__init__(**kwargs)

    def clean(self, value, row=None, **kwargs):
        codes = _codes(value)
        if not codes:
            raise ValueError(_("Enter the school code of at least one assisted school."))
        unknown = [code for code in codes if code not in self.schools_by_code]
        if unknown:
            # Unknown, or outside the user's scope: the same answer, so as to reveal nothing.
            raise ValueError(
                _("No school with the code %(codes)s that you may pair.")
                % {"codes": "、".join(unknown)}
            )
        if len(set(codes)) != len(codes):
            raise ValueError(_("An assisted school is listed twice."))
        return [self.schools_by_code[code] for code in codes]

    def render(self, value, obj=None, **kwargs):
        return "、".join(school.code for school in value or [])


def _assisted(pairing: Pairing) -> list[School]:
    """The assisted schools of a pairing whose members (with schools) are loaded."""
    members = sorted(pairing.members.all(), key=lambda m: m.pk)
    return [m.school for m in members if m.role == PairingMember.Role.ASSISTED]


class PairingResource(ScopedResource):
    """Pairings, one a row, named by their programme and their schools' codes.

    A row's key is its programme, its helping school and the set of its assisted
    schools. A row with no pairing of that key among those the user sees starts a
    draft (:func:`schools.services.pairing_create`, with its rules: who may start a
    pairing in the programme, the programme open, the schools in its region, a
    coordinator's own school among them). A row with the key of a draft changes its
    agreement dates and aims (:func:`schools.services.pairing_update`); a row with the
    key of a pairing past its draft must leave it as it is (it is then skipped), as
    must a row matching nothing it may change. Schools the user may name: those in the
    regions of the programmes they may start pairings in, and the members of the
    pairings they see; any other code is answered as unknown.
    """

    COLUMNS = PAIRING_COLUMNS
    REQUIRED = ("programme", "helping_school", "assisted_schools")
    EXAMPLE = {
        "programme": "江城市城乡学校结对帮扶",
        "helping_school": "1234567890",
        "helping_school_name": "示例实验小学",
        "assisted_schools": "1234567891、1234567892",
        "assisted_school_names": "示例村小、示例中心小学",
        "agreement_signed_on": "2026-08-25",
        "agreement_start": "2026-09-01",
        "agreement_end": "2029-08-31",
        "goals_summary": "三年内培养市级骨干教师2名",
        "status": "草稿",
    }

    programme = fields.Field("programme", PAIRING_COLUMNS["programme"], ProgrammeWidget())
    helping_school = fields.Field(
        "helping_school",
        PAIRING_COLUMNS["helping_school"],
        SchoolByCodeWidget(unknown=gettext_lazy("No school with this code that you may pair.")),
    )
    helping_school_name = fields.Field(
        "helping_school__name", PAIRING_COLUMNS["helping_school_name"], TextWidget(), readonly=True
    )
    assisted_schools = fields.Field(
        "assisted_schools", PAIRING_COLUMNS["assisted_schools"], SchoolsByCodeWidget()
    )
    assisted_school_names = fields.Field(
        "assisted_school_names",
        PAIRING_COLUMNS["assisted_school_names"],
        TextWidget(),
        readonly=True,
    )
    agreement_signed_on = fields.Field(
        "agreement_signed_on", PAIRING_COLUMNS["agreement_signed_on"], DateWidget()
    )
    agreement_start = fields.Field(
        "agreement_start", PAIRING_COLUMNS["agreement_start"], DateWidget()
    )
    agreement_end = fields.Field("agreement_end", PAIRING_COLUMNS["agreement_end"], DateWidget())
    goals_summary = fields.Field(
        "goals_summary", PAIRING_COLUMNS["goals_summary"], LongTextWidget()
    )
    status = fields.Field(
        "status", PAIRING_COLUMNS["status"], ChoiceWidget(PairingStatus), readonly=True
    )

    class Meta:
        model = Pairing
        fields = tuple(PAIRING_COLUMNS)
        import_order = export_order = tuple(PAIRING_COLUMNS)
        import_id_fields = ("programme",)

    def __init__(self, user=None, **kwargs):
        super().__init__(user=user, **kwargs)
        self._schools_by_code: dict[str, School] = {}
        self.fields["helping_school"].widget.schools_by_code = self._schools_by_code
        self.fields["assisted_schools"].widget.schools_by_code = self._schools_by_code
        self._by_key: dict[tuple, Pairing] = {}

    # --- import ---------------------------------------------------------------------

    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        scope = resolve_scope(self.user)
        headers = dataset.headers or []
        programmes = list(selectors.programme_list_visible_to(self.user))
        self.fields["programme"].widget.programmes = programmes
        codes: set[str] = set()
        for name in ("helping_school", "assisted_schools"):
            if PAIRING_COLUMNS[name] in headers:
                for value in dataset[PAIRING_COLUMNS[name]]:
                    codes.update(_codes(value))
        schools = School.objects.filter(code__in=codes).select_related("region")
        if not scope.is_admin:
            pairable = Q(id__in=selectors.school_list_of_visible_pairings(self.user).values("id"))
            for programme in programmes:
                if access.can_propose_in_programme(scope, programme):
                    pairable |= Q(region__path__startswith=programme.region.path)
            schools = schools.filter(pairable)
        self._schools_by_code.clear()
        self._schools_by_code.update({school.code: school for school in schools})
        # Every pairing the file may match, loaded once with its members: a draft of a
        # key first, else the newest (the list's order).
        existing = selectors.pairing_list_visible_to(self.user).filter(
            programme__in=programmes,
            helping_school__in=list(self._schools_by_code.values()),
        )
        self._by_key.clear()
        for pairing in existing:
            key = (pairing.programme_id, pairing.helping_school_id)
            key += (frozenset(s.pk for s in _assisted(pairing)),)
            found = self._by_key.get(key)
            if found is None or (
                found.status != PairingStatus.DRAFT and pairing.status == PairingStatus.DRAFT
            ):
                self._by_key[key] = pairing

    def before_import_row(self, row, row_number=None, **kwargs):
        super().before_import_row(row, row_number=row_number, **kwargs)
        # In ids where the cells name what the user may use (so that 结对帮扶 and
        # 结对帮扶（2026）are one programme), else as written.
        key = self._row_key(row)
        if key is None:
            key = (
                cell_text(row.get(PAIRING_COLUMNS["programme"])),
                code_text(row.get(PAIRING_COLUMNS["helping_school"])),
                frozenset(_codes(row.get(PAIRING_COLUMNS["assisted_schools"]))),
            )
            if not all(key):
                return
        self.refuse_repeat(key, row_number, PAIRING_COLUMNS["assisted_schools"], _(
            "This pairing (same programme, helping school and assisted schools) is already in "
            "row %(row)s of the file."
        ))  # fmt: skip

    def _row_key(self, row) -> tuple | None:
        """The row's key in ids, or None when a cell names nothing the user may use (its
        error is reported when the row's cells are read)."""
        try:
            programme = self.fields["programme"].widget.clean(row.get(PAIRING_COLUMNS["programme"]))
            helping = self.fields["helping_school"].widget.clean(
                row.get(PAIRING_COLUMNS["helping_school"])
            )
            assisted = self.fields["assisted_schools"].widget.clean(
                row.get(PAIRING_COLUMNS["assisted_schools"])
            )
        except ValueError:
            return None
        return (programme.pk, helping.pk, frozenset(s.pk for s in assisted))

    def get_instance(self, instance_loader, row):
        key = self._row_key(row)
        return None if key is None else self._by_key.get(key)

    def _changed(self, instance, original) -> list[str]:
        return [
            name
            for name in PAIRING_IMPORT_FIELDS
            if getattr(instance, name) != getattr(original, name)
        ]

    def skip_row(self, instance, original, row, import_validation_errors=None):
        if original is None or original.pk is None or import_validation_errors:
            return False
        changed = self._changed(instance, original)
        if changed and original.status != PairingStatus.DRAFT:
            raise ValidationError(
                {
                    name: _(
                        "Only draft pairings can be changed by import; this pairing is %(status)s."
                    )
                    % {"status": original.get_status_display()}
                    for name in changed
                }
            )
        return not changed

    def do_instance_save(self, instance, is_create):
        values = {name: getattr(instance, name) for name in PAIRING_IMPORT_FIELDS}
        if is_create:
            try:
                pairing = services.pairing_create(
                    actor=self.user,
                    programme=instance.programme,
                    helping_school=instance.helping_school,
                    assisted_schools=instance.assisted_schools,
                    **values,
                )
            except PermissionDenied:
                raise ValidationError(
                    {"programme": _("You may not start pairings in this programme.")}
                ) from None
            instance.pk = pairing.pk
        else:
            try:
                services.pairing_update(actor=self.user, pairing=instance, **values)
            except PermissionDenied:
                raise ValidationError(_("You may not change this pairing.")) from None

    # --- export ---------------------------------------------------------------------

    def dehydrate_assisted_schools(self, pairing: Pairing) -> str:
        return self.fields["assisted_schools"].widget.render(_assisted(pairing))

    def dehydrate_assisted_school_names(self, pairing: Pairing) -> str:
        return "、".join(school.name for school in _assisted(pairing))

    def filter_export(self, queryset, **kwargs):
        """Only the pairings the exporting user may see, with their programme and
        schools loaded (two queries in all); nothing without a user."""
        if self.user is None:
            return queryset.none()
        visible = selectors.pairing_list_visible_to(self.user).order_by().values("pk")
        return (
            queryset.filter(pk__in=visible)
            .select_related("programme", "helping_school")
            .prefetch_related(None)
            .prefetch_related(
                Prefetch("members", queryset=PairingMember.objects.select_related("school"))
            )
        )

    def iter_queryset(self, queryset):
        # Django prefetches per chunk of an iterator: no count query, no pages.
        yield from queryset.iterator(chunk_size=500)
