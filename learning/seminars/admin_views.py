"""Wagtail admin for seminars: the moderation word list (发言审核词), scoped to the organizer's subtree."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from wagtail.admin.views import generic

from learning.members.scoping import organized_organizations, scope_for
from learning.seminars.scoping import managed_moderation_words


class _ScopedWordForm:
    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        field = form.fields["organization"]
        field.queryset = organized_organizations(self.request.user)
        if not scope_for(self.request.user).is_admin:
            # Only a site admin sets a word for every organization.
            field.required = True
            field.empty_label = None
        return form


class WordIndexView(generic.IndexView):
    def get_base_queryset(self):
        return managed_moderation_words(self.request.user).select_related("organization")


class WordCreateView(_ScopedWordForm, generic.CreateView):
    pass


class WordEditView(_ScopedWordForm, generic.EditView):
    def get_object(self, queryset=None):
        return get_object_or_404(managed_moderation_words(self.request.user), pk=self.kwargs["pk"])


class WordDeleteView(generic.DeleteView):
    def get_object(self, queryset=None):
        return get_object_or_404(managed_moderation_words(self.request.user), pk=self.kwargs["pk"])
