"""Form helpers shared by every app's pages."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms.models import ModelChoiceIterator
from django.forms.utils import flatatt
from django.shortcuts import redirect
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from . import imports
from .attachments import DOCUMENT_TYPES


def add_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Put a service's ``ValidationError`` onto ``form``, next to the fields it names.

    Services raise errors keyed by model field; a key the form has no field for
    (``__all__``, or a field the page does not show) becomes a form-wide error so
    that the message is never lost.
    """
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


class PlainSelect(forms.Select):
    """A ``<select>`` written in one pass.

    Django renders every ``<option>`` through its own template, which costs about a
    tenth of a millisecond an option on every page that shows a filter form; this
    writes the same markup (flat choices only) with one string join.
    """

    def render(self, name, value, attrs=None, renderer=None):
        final_attrs = self.build_attrs(self.attrs, attrs)
        final_attrs["name"] = name
        chosen = {str(v) for v in self.format_value(value)}
        choices = self.choices
        by_values = isinstance(choices, ValuesChoiceIterator)  # already one plain query
        if isinstance(choices, ModelChoiceIterator) and not by_values:
            # Django walks a model choice's queryset with .iterator(), which on
            # PostgreSQL is a server-side cursor: three round trips for a short list.
            field = choices.field
            choices = [("", field.empty_label)] if field.empty_label is not None else []
            choices += [(obj.pk, field.label_from_instance(obj)) for obj in field.queryset]
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (key, mark_safe(" selected") if str(key) in chosen else "", label)
                for key, label in choices
            ),
        )
        return format_html("<select{}>{}</select>", flatatt(final_attrs), options)


class ValuesChoiceIterator(ModelChoiceIterator):
    """A model choice's options read as values: one query, no model instance per option."""

    def __iter__(self):
        field = self.field
        if field.empty_label is not None:
            yield ("", field.empty_label)
        rows = self.queryset.values_list(field.to_field_name or "pk", *field.label_fields)
        shown = set()
        for pk, *values in rows[: field.limit] if field.limit else rows:
            shown.add(str(pk))
            yield (pk, field.label_from_values(*values))
        if field.keep is not None and str(field.keep) not in shown:
            # The value asked for (a link's ?activity=) beyond the limit: shown too.
            try:
                kept = list(rows.filter(**{field.to_field_name or "pk": field.keep}))
            except (ValueError, TypeError, ValidationError):
                kept = []
            for pk, *values in kept:
                yield (pk, field.label_from_values(*values))


class ValuesChoiceField(forms.ModelChoiceField):
    """A ``ModelChoiceField`` whose options are labelled from a few columns,
    ``label_from_values(*values of label_fields)``, instead of from model instances: a
    long list of activities or teachers costs a tuple an option rather than a model
    (with its state machine, for an activity). ``limit`` caps the options shown, not
    what is accepted: the chosen value is checked against the whole queryset (which
    must not be sliced: a slice cannot be filtered) and cleaned to its instance; the
    form sets ``keep`` to the value it was given, which is shown even beyond the limit."""

    iterator = ValuesChoiceIterator

    def __init__(
        self, *args, label_fields: tuple[str, ...], label_from_values, limit=None, **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.label_fields = label_fields
        self.label_from_values = label_from_values
        self.limit = limit
        self.keep = None


class _OnePassInput:
    """An ``<input>`` written in one pass: the markup of Django's ``input.html`` and
    ``attrs.html`` (a true attribute written bare, a false or empty one left out) with
    no template rendered for it."""

    def render(self, name, value, attrs=None, renderer=None):
        value = self.format_value(value)
        return format_html(
            '<input type="{}" name="{}"{}{}>',
            self.input_type,
            name,
            format_html(' value="{}"', value) if value is not None else "",
            flatatt(self.build_attrs(self.attrs, attrs)),
        )


class PlainTextInput(_OnePassInput, forms.TextInput):
    pass


class PlainNumberInput(_OnePassInput, forms.NumberInput):
    pass


class PlainDateInput(_OnePassInput, forms.DateInput):
    pass


class PlainEmailInput(_OnePassInput, forms.EmailInput):
    pass


class PlainHiddenInput(_OnePassInput, forms.HiddenInput):
    pass


class PlainTextarea(forms.Textarea):
    """Django's ``textarea.html`` (a line break after the opening tag, the value
    escaped) without a template."""

    def render(self, name, value, attrs=None, renderer=None):
        value = self.format_value(value)
        return format_html(
            '<textarea name="{}"{}>\n{}</textarea>',
            name,
            flatatt(self.build_attrs(self.attrs, attrs)),
            value or "",
        )


# Each of Django's widgets (exactly that class, not a subclass with its own markup)
# and the one-pass widget that writes the same HTML.
_ONE_PASS = {
    forms.Select: PlainSelect,
    forms.TextInput: PlainTextInput,
    forms.NumberInput: PlainNumberInput,
    forms.DateInput: PlainDateInput,
    forms.EmailInput: PlainEmailInput,
    forms.HiddenInput: PlainHiddenInput,
    forms.Textarea: PlainTextarea,
}


class PlainWidgets:
    """A form mixin: its drop-downs, plain inputs and text areas render in one pass
    (:class:`PlainSelect`, :class:`PlainTextInput` …), so that a form on a busy page
    costs no template per field or option. Swapped when a field is first rendered,
    so fields a subclass adds or replaces in its ``__init__`` are included."""

    def __getitem__(self, name):
        widget = self.fields[name].widget
        plain = _ONE_PASS.get(type(widget))
        if plain is not None:
            # The one-pass class only overrides render(): same state, same widget.
            widget.__class__ = plain
        return super().__getitem__(name)


class FilterForm(PlainWidgets, forms.Form):
    """The form of every list page's filters (a django-filter ``Meta.form``)."""


def suggest_input(*, datalist: str, endpoint, placeholder) -> forms.TextInput:
    """A code box that suggests matches as the user types (static/js/app.js asks the
    scoped list ``endpoint`` with ``?search=``); without JavaScript it is a plain box."""
    return forms.TextInput(
        attrs={
            "list": datalist,
            "autocomplete": "off",
            "inputmode": "search",
            "placeholder": placeholder,
            "data-suggest": endpoint,
        }
    )


# Every type twinning.attachments.DOCUMENT_TYPES accepts, for the browser's file picker.
DOCUMENT_ACCEPT = ",".join(f".{ext}" for ext in sorted(DOCUMENT_TYPES)) + ",image/*"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (a phone's photo picker), at most ``limit``; their
    content is checked by the service (twinning.attachments)."""

    def __init__(self, *args, limit: int, **kwargs):
        self.limit = limit
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": DOCUMENT_ACCEPT}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if not data:
            if self.required:
                raise forms.ValidationError(self.error_messages["required"], code="required")
            return []
        files = data if isinstance(data, list | tuple) else [data]
        if len(files) > self.limit:
            raise forms.ValidationError(_("At most %(max)s files.") % {"max": self.limit})
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


def form_action(request, *, form, call, success: str, done: str, again):
    """One POST action of a record's page (approve, pay, record a step …): validate
    ``form`` (None: the action takes no input) and call the service with its data. Done:
    ``success`` as a message and a redirect to ``done``. A service's ``ValidationError``
    changes nothing; it is shown next to the form's fields on the page ``again(form)``
    renders, or, for an action without a form, as a message on ``done``."""
    if form is None or form.is_valid():
        try:
            call(**(form.cleaned_data if form is not None else {}))
        except ValidationError as error:
            if form is None:
                messages.error(request, " ".join(error.messages))
                return redirect(done)
            add_service_errors(form, error)
        else:
            messages.success(request, success)
            return redirect(done)
    return again(form)


class ImportForm(PlainWidgets, forms.Form):
    """The upload of a spreadsheet to import (twinning.imports)."""

    file = forms.FileField(
        label=_lazy("File"),
        help_text=imports.FILE_HELP,
        widget=forms.ClearableFileInput(attrs={"accept": imports.ACCEPT}),
    )
