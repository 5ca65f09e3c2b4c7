"""Admin for the data a union sets up rather than works through: 金秋助学 campaigns with their tiers,
and the 慰问 standards. Applications, files and visits change only through the services (audit)."""

from django.contrib import admin

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
    raw_id_fields = ["org_unit"]
