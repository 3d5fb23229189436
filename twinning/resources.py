"""What every django-import-export resource of the project shares.

Columns carry fixed Chinese headers, the ones a bureau's own sheets use (the
attribute names are accepted too), so that a file exported in either interface
language imports again unchanged. Rows are written through the services as the
importing user; one invalid row and nothing of the file is kept; errors name the
column as the file does.
"""

from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import translation
from django.utils.translation import gettext as _
from import_export import resources, widgets

# Full-width digits, letters and punctuation (０１２, ＡＢ, －) and the ideographic space, as
# Chinese input methods type them, read as their ASCII twins.
_HALF_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_DIGITS = {code: code - 0xFEE0 for code in range(0xFF10, 0xFF1A)} | {0x3000: 0x20}
_SPACES = re.compile(r"\s+")
GUARDED = ("=", "+", "-", "@")


def half_width(text: str) -> str:
    """``text`` with full-width ASCII characters and spaces made half-width."""
    return text.translate(_HALF_WIDTH)


def cell_text(value) -> str:
    """A cell as text: spreadsheets hand over codes as numbers (2590102001.0); offices
    type digits and spaces full-width (２０２６) and leave stray spaces around and
    inside; an exported cell that looked like a formula comes back with its guarding
    quote (twinning.downloads.csv_cell), which is taken off again."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = _SPACES.sub(" ", str(value).translate(_DIGITS)).strip()
    if text[:1] == "'" and text[1:2] in GUARDED:
        return text[1:]
    return text


def code_text(value) -> str:
    """A code, a staff number or a phone number: every full-width character made
    half-width and no space left inside (2590 1020 01 is 2590102001)."""
    return half_width(cell_text(value)).replace(" ", "")


def is_formula(value) -> bool:
    """Whether a cell would run as a formula in a spreadsheet: text starting with =, or
    with +, - or @ not followed by a plain number (+86 138…, -5 are numbers)."""
    if not isinstance(value, str):
        return False
    text = half_width(value).strip()
    if text[:1] == "=" or text[:1] == "@":
        return True
    if text[:1] in ("+", "-"):
        return not re.fullmatch(r"[+-][\d\s().-]*", text)
    return False


def invalid(error: ValidationError) -> ValueError:
    # import-export reports a widget's ValueError as an error of that row's column.
    return ValueError(" ".join(error.messages))


class TextWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        return cell_text(value)

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value)


class RequiredTextWidget(TextWidget):
    def clean(self, value, row=None, **kwargs):
        text = cell_text(value)
        if not text:
            raise ValueError(forms.Field.default_error_messages["required"])
        return text


class LongTextWidget(TextWidget):
    """Free text over several lines (aims, an agreement, a plan): kept as typed, line
    breaks and all; only the ends are trimmed, and the quote that guards an exported
    formula-like cell is taken off."""

    def clean(self, value, row=None, **kwargs):
        if value is None:
            return ""
        text = str(value).replace("\r\n", "\n").replace("\r", "\n").strip()
        if text[:1] == "'" and text[1:2] in GUARDED:
            return text[1:]
        return text


class CodeWidget(TextWidget):
    """A code, staff number or phone: see :func:`code_text`."""

    def clean(self, value, row=None, **kwargs):
        return code_text(value)


_DATE = re.compile(
    r"^(?P<year>\d{4})\s*(?:[-/.]|年)\s*(?P<month>\d{1,2})\s*(?:[-/.]|月)\s*"
    r"(?P<day>\d{1,2})\s*日?$"
)
# Excel counts days from 1899-12-30 (with its 1900 leap-year bug folded in).
_EXCEL_EPOCH = dt.date(1899, 12, 30)


def parse_date(value) -> dt.date | None:
    """A date as offices write it: a date cell, 2026-09-01, 2026/9/1, 2026.9.1,
    2026年9月1日 (full-width digits too), or Excel's day number; empty is None.
    Raises ``ValueError`` with a message for the user otherwise."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 20000 <= value <= 80000:  # 1954 … 2119: a day number, not a year
            return _EXCEL_EPOCH + dt.timedelta(days=int(value))
        raise ValueError(_("Enter a date such as 2026-09-01, 2026/9/1 or 2026年9月1日."))
    text = half_width(cell_text(value))
    if not text:
        return None
    text = text.split(" ")[0] if re.match(r"^\d{4}-\d{2}-\d{2} \d", text) else text
    match = _DATE.match(text)
    if match:
        try:
            return dt.date(int(match["year"]), int(match["month"]), int(match["day"]))
        except ValueError:
            pass
    raise ValueError(_("Enter a date such as 2026-09-01, 2026/9/1 or 2026年9月1日."))


class DateWidget(widgets.Widget):
    """A date: see :func:`parse_date`; written back as 2026-09-01."""

    def clean(self, value, row=None, **kwargs):
        return parse_date(value)

    def render(self, value, obj=None, **kwargs):
        return value.isoformat() if value else ""


class RequiredDateWidget(DateWidget):
    def clean(self, value, row=None, **kwargs):
        day = parse_date(value)
        if day is None:
            raise ValueError(forms.Field.default_error_messages["required"])
        return day


class YesNoWidget(widgets.Widget):
    """是/否 (or yes/no, 1/0); an empty cell is ``default``."""

    YES = {"是", "在职", "yes", "y", "true", "1", "√"}
    NO = {"否", "离职", "no", "n", "false", "0", "×"}

    def __init__(self, default: bool = True, **kwargs):
        self.default = default
        super().__init__(**kwargs)

    def clean(self, value, row=None, **kwargs):
        text = cell_text(value).lower()
        if not text:
            return self.default
        if text in self.YES:
            return True
        if text in self.NO:
            return False
        raise ValueError(_("Write 是 or 否."))

    def render(self, value, obj=None, **kwargs):
        return "是" if value else "否"


class CountWidget(widgets.Widget):
    """A whole number, 0 or more; an empty cell is 0."""

    def clean(self, value, row=None, **kwargs):
        text = cell_text(value)
        if not text:
            return 0
        try:
            return forms.IntegerField(min_value=0).clean(text)
        except ValidationError as error:
            raise invalid(error) from None

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value)


def _choice_note(label) -> str:
    """A value a choice column accepts, as the template's Chinese headers are written: its
    Chinese label, with the reader's own beside it when they read another language (the
    file accepts either)."""
    with translation.override(settings.LANGUAGE_CODE):
        chinese = str(label)
    own = str(label)
    return chinese if own == chinese else f"{chinese}（{own}）"


class ChoiceWidget(widgets.Widget):
    """A choice, written as its label (in the current language) and read as a value or
    as its label in any of the site's languages."""

    def __init__(self, choices, **kwargs):
        self.choices = choices
        super().__init__(**kwargs)

    def _by_label(self) -> dict[str, str]:
        if getattr(self, "_labels", None) is None:  # once a file, not once a row
            labels = {}
            for language, _name in settings.LANGUAGES:
                with translation.override(language):
                    labels.update({str(label): value for value, label in self.choices.choices})
            self._labels = labels
        return self._labels

    def clean(self, value, row=None, **kwargs):
        text = cell_text(value)
        if not text:
            return ""
        if text.lower() in self.choices.values:
            return text.lower()
        choice = self._by_label().get(text)
        if choice is not None:
            return choice
        try:
            return forms.ChoiceField(choices=self.choices.choices).clean(text)
        except ValidationError as error:
            raise invalid(error) from None

    def render(self, value, obj=None, **kwargs):
        if value in self.choices.values:
            return str(self.choices(value).label)
        return value or ""


class SchoolByCodeWidget(widgets.Widget):
    """A school by its 10-digit code, among ``schools_by_code`` (the schools the
    importing user may import into, loaded once for the whole file)."""

    def __init__(self, schools_by_code: dict | None = None, *, unknown: str = "", **kwargs):
        self.schools_by_code = {} if schools_by_code is None else schools_by_code
        self.unknown = unknown
        super().__init__(**kwargs)

    def clean(self, value, row=None, **kwargs):
        code = code_text(value)
        if not code:
            raise ValueError(_("Enter the school code."))
        school = self.schools_by_code.get(code)
        if school is None:
            raise ValueError(
                str(self.unknown or _("No school with this code that you may import into."))
            )
        return school

    def render(self, value, obj=None, **kwargs):
        return value.code if value else ""


class ScopedResource(resources.ModelResource):
    """A resource that imports and exports as one user.

    Subclasses set ``COLUMNS`` (attribute → header, in file order), ``REQUIRED``
    (the attributes whose column a file must have) and ``EXAMPLE`` (attribute →
    the example row of the template), write rows through their services in
    ``do_instance_save`` and scope exports in ``filter_export``. Every row is checked
    for formula cells before anything else; ``progress`` (when set) is told how many
    rows are done.
    """

    COLUMNS: dict[str, str] = {}
    REQUIRED: tuple[str, ...] = ()
    EXAMPLE: dict[str, str] = {}

    class Meta:
        # Inherited by every kind: an unchanged row is reported as such and not written,
        # the services validate (not model.full_clean), the whole file in one transaction.
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = False
        use_transactions = True

    def __init__(self, user=None, progress=None, **kwargs):
        super().__init__(**kwargs)
        self.user = user
        self.progress = progress
        self.rows_done = 0
        self._rows_by_key: dict = {}  # a key of the file -> the first row that had it

    @classmethod
    def required_headers(cls) -> list[str]:
        return [cls.COLUMNS[name] for name in cls.REQUIRED]

    @classmethod
    def template_rows(cls) -> list[list[str]]:
        """The header row and the example row of the downloadable template."""
        return [list(cls.COLUMNS.values()), [cls.EXAMPLE.get(name, "") for name in cls.COLUMNS]]

    def column_notes(self) -> list[list[str]]:
        """One line per column for the template's notes sheet: header, whether it must
        be filled, and the values a choice column accepts."""
        notes = []
        for name, header in self.COLUMNS.items():
            field = self.fields.get(name)
            widget = getattr(field, "widget", None)
            accepted = ""
            if isinstance(widget, ChoiceWidget):
                accepted = "、".join(
                    _choice_note(label) for _value, label in widget.choices.choices
                )
            elif isinstance(widget, DateWidget):
                accepted = "2026-09-01、2026/9/1、2026年9月1日"
            elif isinstance(widget, YesNoWidget):
                accepted = "是、否"
            if getattr(field, "readonly", False):
                accepted = _("Only for reading; ignored on import.")
            notes.append([header, _("Yes") if name in self.REQUIRED else _("No"), accepted])
        return notes

    def describe(self, error: Exception) -> str:
        """A row error that is not a validation error, for the user (no traceback)."""
        return _("This row could not be imported: %(error)s") % {"error": error}

    def import_data(
        self,
        dataset,
        dry_run=False,
        raise_errors=False,
        use_transactions=None,
        collect_failed_rows=False,
        rollback_on_validation_errors=False,
        **kwargs,
    ):
        # One invalid row and nothing of the file is kept.
        self.user = kwargs.get("user") or self.user
        return super().import_data(
            dataset,
            dry_run=dry_run,
            raise_errors=raise_errors,
            use_transactions=True,
            collect_failed_rows=collect_failed_rows,
            rollback_on_validation_errors=True,
            **{**kwargs, "user": self.user},
        )

    def before_import(self, dataset, **kwargs):
        # Accept the attribute names as headers too (code, name, region …).
        headers = [cell_text(h) for h in (dataset.headers or [])]
        dataset.headers = [self.COLUMNS.get(h.lower(), h) for h in headers]
        self._rows_by_key.clear()

    def refuse_repeat(self, key, row_number, column: str | None, message: str) -> None:
        """Refuse a row whose ``key`` an earlier row of the file already had: ``message``
        (with ``%(row)s``, that row as the spreadsheet numbers it) on ``column``, or on
        the row when ``column`` is None. Two rows of one record would overwrite each
        other in the same write."""
        first = self._rows_by_key.setdefault(key, row_number)
        if first != row_number:
            text = message % {"row": first + 1}
            raise ValidationError({column: text} if column else text)

    def before_import_row(self, row, row_number=None, **kwargs):
        # A formula would run when the file is next opened (and its value is not what
        # the office typed); the whole row is refused, naming the cell.
        formulas = {header: value for header, value in row.items() if is_formula(value)}
        if formulas:
            raise ValidationError(
                {
                    header: _(
                        "This cell holds a formula (it starts with = + - or @); type the "
                        "value itself, or put a ' before it."
                    )
                    for header in formulas
                }
            )

    def import_row(self, row, instance_loader, **kwargs):
        row_result = self._import_row(row, instance_loader, **kwargs)
        self.rows_done += 1
        if self.progress is not None and self.rows_done % 100 == 0:
            self.progress(self.rows_done)
        return row_result

    def _import_row(self, row, instance_loader, **kwargs):
        row_result = super().import_row(row, instance_loader, **kwargs)
        error = row_result.validation_error
        if error is not None and hasattr(error, "error_dict"):
            # Name the column as the file does, not the model's attribute.
            row_result.validation_error = ValidationError(
                {
                    (self.COLUMNS.get(key, key) if key != NON_FIELD_ERRORS else key): messages
                    for key, messages in error.error_dict.items()
                }
            )
        return row_result

    def export_rows(self, queryset=None) -> list[list]:
        """The export as rows, headers first, for :func:`twinning.downloads.table_response`
        (which guards every cell against running as a formula)."""
        dataset = self.export(queryset)
        return [list(dataset.headers), *(list(row) for row in dataset)]
