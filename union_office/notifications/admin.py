"""Admin: read the reminders and deliveries; settle the 待核对 emails by hand."""

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Delivery, Notification, Reminder

State = Delivery.State


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["pk", "reminder", "channel", "state", "due_at", "attempts", "attempted_at", "finished_at", "note"]
    list_filter = ["state", "channel"]
    list_select_related = ["reminder"]
    raw_id_fields = ["reminder"]
    actions = ["requeue", "mark_sent"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("待核对的邮件：确认未发出，重新发送"), permissions=["view"])
    def requeue(self, request, queryset):
        n = queryset.filter(state=State.REVIEW).update(
            state=State.PENDING, due_at=timezone.now(), claimed_at=None, claim_token=None, attempted_at=None
        )
        messages.success(request, _("%(n)s 条已重新排队。") % {"n": n})

    @admin.action(description=_("待核对的邮件：确认已发出，标记为已发送"), permissions=["view"])
    def mark_sent(self, request, queryset):
        n = queryset.filter(state=State.REVIEW).update(state=State.SENT, finished_at=timezone.now())
        messages.success(request, _("%(n)s 条已标记为已发送。") % {"n": n})


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    list_display = ["pk", "kind", "recipient", "due_at", "subject"]
    list_filter = ["kind"]
    search_fields = ["subject", "recipient__username"]
    raw_id_fields = ["recipient"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["pk", "recipient", "kind", "subject", "created_at", "read_at"]
    list_filter = ["kind"]
    raw_id_fields = ["recipient", "delivery"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
