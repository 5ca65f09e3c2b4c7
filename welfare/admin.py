"""Admin for the data a union sets up rather than works through: 金秋助学 campaigns with their tiers.
The 慰问 standards are read here only: the chair sets them on the 慰问标准 page, with a reason kept in
their history. Applications, files and visits change only through the services (audit)."""

from django.contrib import admin
from django.http import HttpRequest

from .models import Campaign, CampaignTier, VisitRule


class CampaignTierInline(admin.TabularInline):
    model = CampaignTier
    extra = 1


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["title", "org_unit", "year", "opens_on", "deadline", "closes_on"]
    inlines = [CampaignTierInline]
    raw_id_fields = ["org_unit", "created_by"]


@admin.register(VisitRule)
class VisitRuleAdmin(admin.ModelAdmin):
    list_display = ["org_unit", "kind", "max_per_visit", "max_per_year", "once_per_cause_per_year", "cash_allowed"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: VisitRule | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: VisitRule | None = None) -> bool:
        return False
