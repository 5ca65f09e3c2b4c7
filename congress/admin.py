"""The admin is for the system administrator: reading congress rows, not running the workflow.

Every change with a rule goes through congress/services/ (and the screens); here rows are read
only, so the admin cannot bypass the workflow, the numbering or the secrecy of ballots.
"""

from django.contrib import admin

from .models import Ballot, CongressSession, Delegate, Motion, Suggestion


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CongressSession)
class CongressSessionAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "org_unit", "year", "motions_open_on", "motions_close_on"]
    list_select_related = ["org_unit"]


@admin.register(Delegate)
class DelegateAdmin(ReadOnlyAdmin):
    list_display = ["member", "session", "group", "category", "gender"]
    list_select_related = ["member", "session"]


@admin.register(Motion)
class MotionAdmin(ReadOnlyAdmin):
    list_display = ["number_display", "title", "session", "status", "lead_department"]
    list_filter = ["status", "category"]
    list_select_related = ["session", "lead_department"]
    search_fields = ["title"]


@admin.register(Suggestion)
class SuggestionAdmin(ReadOnlyAdmin):
    list_display = ["title", "session", "status"]
    list_select_related = ["session"]


@admin.register(Ballot)
class BallotAdmin(ReadOnlyAdmin):
    # Voter records and choices are not registered at all: nobody browses who voted what.
    list_display = ["title", "session", "kind", "secret", "status"]
    list_select_related = ["session"]
