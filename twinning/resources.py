"""What every django-import-export resource of the project shares.

Columns carry fixed Chinese headers, the ones a bureau's own sheets use (the
attribute names are accepted too), so that a file exported in either interface
language imports again unchanged. Rows are written through the services as the
importing user; one invalid row and nothing of the file is kept; errors name the
column as the file does.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import translation
from django.utils.translation import gettext as _
from import_export import resources, widgets


def cell_text(value) -> str:
    """A cell as text; spreadsheets hand over codes as numbers (2590102001.0), and an
    exported cell that looked like a formula comes back with its guarding quote."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if text[:1] == "'" and text[1:2] in ("=", "+", "-", "@"):
        return text[1:]
    return text


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


class ChoiceWidget(widgets.Widget):
    """A choice, written as its label (in the current language) and read as a value or
    as its label in any of the site's languages."""

    def __init__(self, choices, **kwargs):
        self.choices = choices
        super().__init__(**kwargs)

    def _by_label(self) -> dict[str, str]:
        labels = {}
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                labels.update({str(label): value for value, label in self.choices.choices})
        return labels

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


class ScopedResource(resources.ModelResource):
    """A resource that imports and exports as one user.

    Subclasses set ``COLUMNS`` (attribute → header, in file order) and
    ``REQUIRED`` (the attributes whose column a file must have), write rows through
    their services in ``do_instance_save`` and scope exports in ``filter_export``.
    """

    COLUMNS: dict[str, str] = {}
    REQUIRED: tuple[str, ...] = ()

    def __init__(self, user=None, **kwargs):
        super().__init__(**kwargs)
        self.user = user

    @classmethod
    def required_headers(cls) -> list[str]:
        return [cls.COLUMNS[name] for name in cls.REQUIRED]

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

    def import_row(self, row, instance_loader, **kwargs):
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
