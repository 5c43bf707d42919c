"""Wagtail admin for seminars: the moderation word list (发言审核词), scoped to the organizer's subtree."""

from __future__ import annotations

from learning.members.admin_scoping import organization_owned_views, scoped_history_and_usage
from learning.seminars.scoping import managed_moderation_words

WordIndexView, WordCreateView, WordEditView, WordDeleteView = organization_owned_views(managed_moderation_words)
WordHistoryView, WordUsageView = scoped_history_and_usage(lambda view: managed_moderation_words(view.request.user))
