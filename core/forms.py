"""Form fields shared by every app."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from core.converters import parse_id


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
