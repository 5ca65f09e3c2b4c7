from django.contrib import admin

from .models import Department, Member, OrgUnit, RoleGrant


@admin.register(OrgUnit)
class OrgUnitAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "parent", "path"]
    list_filter = ["kind"]
    search_fields = ["name"]
    # single_officer waives a separation of duties: set only through unit_single_officer_set (audited).
    readonly_fields = ["path", "depth", "single_officer"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "org_unit"]
    list_filter = ["org_unit"]
    search_fields = ["name"]


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):
    # The full 身份证号 is never listed; the admin is for the system administrator, not the roster.
    list_display = ["name", "gender", "id_number_masked", "org_unit", "department", "status"]
    list_filter = ["status", "gender", "frontline"]
    search_fields = ["name", "member_no"]
    list_select_related = ["org_unit", "department"]
    raw_id_fields = ["user", "org_unit", "department"]

    def get_readonly_fields(self, request, obj=None):
        # Status and unit change only through the membership workflow (转出/转入/退会…, with its
        # approval, history and audit), never by editing the row here.
        return ["status", "org_unit"] if obj is not None else []


@admin.register(RoleGrant)
class RoleGrantAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "org_unit", "department"]
    list_filter = ["role"]
    raw_id_fields = ["user", "org_unit", "department"]
