"""Wagtail admin views for rows an organization owns (an hour rule, a moderation word).

Each such row has an ``organization`` field, empty for the site-wide row. The views list and open only
the rows the caller manages (the feature's scoping function, built on ``learning.members.scoping``);
the organization select lists the caller's own organizations, and only a site admin may leave it
empty.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from wagtail.admin.views import generic
from wagtail.admin.views.generic import history, usage

from learning.members.scoping import organized_organizations, scope_for


class OrganizationFieldInScope:
    """The ``organization`` select of a create/edit form: the caller's organizations only."""

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        field = form.fields["organization"]
        field.queryset = organized_organizations(self.request.user)
        if not scope_for(self.request.user).is_admin:
            # Only a site admin writes a row for every organization (no organization).
            field.required = True
            field.empty_label = None
        return form


class OrganizationOwnedViews(NamedTuple):
    index: type
    create: type
    edit: type
    delete: type


def organization_owned_views(rows_for: Callable[..., QuerySet]) -> OrganizationOwnedViews:
    """The four views of a ModelViewSet, every one reading through ``rows_for(user)``."""

    class IndexView(generic.IndexView):
        def get_base_queryset(self):
            return rows_for(self.request.user).select_related("organization")

    class CreateView(OrganizationFieldInScope, generic.CreateView):
        pass

    class EditView(OrganizationFieldInScope, generic.EditView):
        def get_object(self, queryset=None):
            return get_object_or_404(rows_for(self.request.user), pk=self.kwargs["pk"])

    class DeleteView(generic.DeleteView):
        def get_object(self, queryset=None):
            return get_object_or_404(rows_for(self.request.user), pk=self.kwargs["pk"])

    return OrganizationOwnedViews(IndexView, CreateView, EditView, DeleteView)


def scoped_history_and_usage(rows_for: Callable[..., QuerySet]) -> tuple[type, type]:
    """A viewset's history and usage views, opening a row only through ``rows_for(view)`` (the same scoped
    queryset as its edit view): another subtree's row is 404, as on edit, delete and inspect.

    Wagtail's own versions look the row up in the model's whole table, so an organizer with any
    permission on the model read another subtree's row (its title, its log) there.
    """

    class HistoryView(history.HistoryView):
        def get_base_object_queryset(self):
            return rows_for(self)

    class UsageView(usage.UsageView):
        def get_base_object_queryset(self):
            return rows_for(self)

    return HistoryView, UsageView
