"""Form fields and widgets shared by every site form.

A browser's ``<input type="date">`` accepts only ``yyyy-mm-dd``; any other value
(``2026/12/01``, the first Chinese input format) leaves the field blank and the
user retypes a date that was already saved. Every date field of the site renders
through :class:`DateInput`; ``config/formats`` also puts ISO first for any plain
``DateInput`` that slips through, and ``tests/core/test_date_inputs.py`` walks the
pages of every role and fails on a non-ISO value.
"""

from __future__ import annotations

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import formats

from core.converters import parse_id

ISO_DATE = "%Y-%m-%d"


class DateInput(forms.DateInput):
    """``<input type="date">`` whose value is always ISO ``yyyy-mm-dd``."""

    input_type = "date"

    def __init__(self, attrs=None, format=None):  # noqa: A002  (Django's own argument name)
        super().__init__(attrs=attrs, format=format or ISO_DATE)

    def format_value(self, value):
        # A form shown again after an error carries the text as typed ("2026/12/01" from a
        # script or an old browser): show it as ISO when it is a date the field accepts.
        if isinstance(value, str):
            for input_format in formats.get_format("DATE_INPUT_FORMATS"):
                try:
                    return datetime.datetime.strptime(value.strip(), input_format).date().strftime(ISO_DATE)
                except ValueError:
                    continue
        return super().format_value(value)


class DateField(forms.DateField):
    """A date field with the browser's date picker, ISO in and out."""

    widget = DateInput


class IdModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """A multiple choice of rows by id: a value that is no database id is an invalid choice.

    Django's own field puts every submitted value into ``pk__in``; an id past the 64-bit range
    (``99999999999999999999999``) then overflows in the database driver, a server error.
    """

    def _check_values(self, value):
        if self.to_field_name is None:
            for pk in value or ():
                if parse_id(pk) is None:
                    raise ValidationError(
                        self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": pk}
                    )
        return super()._check_values(value)


class IdModelChoiceField(forms.ModelChoiceField):
    """A single choice of a row by id: a value that is no database id is an invalid choice, not a server error."""

    def to_python(self, value):
        if value not in self.empty_values and self.to_field_name is None and parse_id(value) is None:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class ChooserWidget(forms.SelectMultiple):
    """A searchable multiple chooser for a choice among thousands of rows (members, study pages).

    The page carries only the selected options (one query, ``pk__in``), never the whole
    queryset; ``static/js/chooser.js`` hides the ``<select>`` and puts a search box, a result
    list and removable chips in its place, fetching results as JSON from ``source`` (an
    endpoint answering ``?q=&page=`` with ``{"results": [{"id", "label"}], "has_more"}``).
    The field (an :class:`IdModelMultipleChoiceField`) still validates every submitted id
    against its scoped queryset, so the widget widens nothing.
    """

    template_name = "core/widgets/chooser.html"

    class Media:
        css = {"all": ("css/chooser.css",)}
        js = ("js/chooser.js",)

    def __init__(self, source, *, placeholder: str = "输入关键字搜索", attrs=None) -> None:
        super().__init__(attrs=attrs)
        self.source = source
        self.placeholder = placeholder

    def optgroups(self, name, value, attrs=None):
        ids = [v for v in value if parse_id(v) is not None]
        chosen = []
        if ids:
            choices = self.choices
            queryset = getattr(choices, "queryset", None)
            if queryset is not None:
                field = choices.field
                by_pk = {str(obj.pk): obj for obj in queryset.filter(pk__in=ids)}
                chosen = [(pk, field.label_from_instance(by_pk[pk])) for pk in dict.fromkeys(ids) if pk in by_pk]
            else:
                labels = {str(k): v for k, v in choices}
                chosen = [(pk, labels[pk]) for pk in dict.fromkeys(ids) if pk in labels]
        return [
            (None, [self.create_option(name, pk, label, True, index, attrs=attrs)], index)
            for index, (pk, label) in enumerate(chosen)
        ]

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["source"] = str(self.source)
        context["widget"]["placeholder"] = self.placeholder
        return context


def add_errors_from(form: forms.Form, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form: a field's errors beside that field, the rest
    (and errors naming no field) above the form."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)
