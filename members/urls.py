from django.urls import path

from .views import audit_log, exports, roster
from .views import contact as contact_views
from .views import departments as department_views
from .views import imports as import_views
from .views import logins as login_views
from .views import membership as membership_views
from .views import organisation as org_views

app_name = "members"
urlpatterns = [
    path("", roster.member_list, name="member_list"),
    path("<int:pk>/", roster.member_detail, name="member_detail"),
    path("<int:pk>/edit/", roster.member_edit, name="member_edit"),
    path("<int:pk>/id-number/", roster.member_reveal_id_number, name="member_reveal_id_number"),
    path("<int:pk>/two-factor-code/", roster.member_two_factor_code, name="member_two_factor_code"),
    path("units/", roster.unit_list, name="unit_list"),
    path("units/<int:pk>/", roster.unit_detail, name="unit_detail"),
    # Organisation pages (members/views/organisation.py)
    path("organisation/", org_views.organisation_tree, name="organisation"),
    path("organisation/roles/", org_views.role_overview, name="role_overview"),
    path("organisation/<int:pk>/", org_views.unit_manage, name="organisation_unit"),
    path("organisation/<int:pk>/add/", org_views.unit_add, name="organisation_unit_add"),
    path("organisation/<int:pk>/rename/", org_views.unit_rename, name="organisation_unit_rename"),
    path("organisation/<int:pk>/move/", org_views.unit_move, name="organisation_unit_move"),
    path("organisation/<int:pk>/merge/", org_views.unit_merge, name="organisation_unit_merge"),
    path("organisation/<int:pk>/grants/", org_views.grant_add, name="organisation_grant_add"),
    path(
        "organisation/<int:pk>/grants/<int:grant_pk>/revoke/", org_views.grant_revoke, name="organisation_grant_revoke"
    ),
    path("organisation/departments/", department_views.department_list, name="department_list"),
    path("organisation/departments/<int:pk>/", department_views.department_manage, name="department_manage"),
    path("organisation/departments/<int:pk>/rename/", department_views.department_rename, name="department_rename"),
    path("organisation/departments/<int:pk>/retire/", department_views.department_retire, name="department_retire"),
    path("organisation/departments/<int:pk>/restore/", department_views.department_restore, name="department_restore"),
    path(
        "organisation/departments/<int:pk>/handlers/",
        department_views.department_handler_add,
        name="department_handler_add",
    ),
    path("me/contact/", contact_views.my_contact, name="my_contact"),
    path("contact-corrections/", contact_views.contact_corrections, name="contact_corrections"),
    path(
        "contact-corrections/<int:pk>/<slug:action>/",
        contact_views.contact_correction_act,
        name="contact_correction_act",
    ),
    # 审计日志 (members/views/audit_log.py)
    path("audit/", audit_log.audit_log, name="audit_log"),
    path("audit/export/", audit_log.audit_log_export, name="audit_log_export"),
    path("logins/new/", login_views.login_create, name="login_create"),
    path("logins/activate/<uidb64>/<token>/", login_views.login_activate, name="login_activate"),
    # Roster exports (members/views/exports.py)
    path("export/", exports.export_xlsx, name="export_xlsx"),
    path("exports/", exports.export_list, name="export_list"),
    path("exports/<int:pk>/", exports.export_detail, name="export_detail"),
    path("exports/<int:pk>/progress/", exports.export_progress, name="export_progress"),
    path("exports/<int:pk>/download/", exports.export_download, name="export_download"),
    path("units/<int:pk>/roster.pdf", exports.unit_roster_pdf, name="unit_roster_pdf"),
    # Membership changes (members/views/membership.py)
    path("new/", membership_views.member_create, name="member_create"),
    path("join/", membership_views.join_apply, name="join_apply"),
    path("transfer-in/", membership_views.transfer_in, name="transfer_in"),
    path("<int:member_pk>/changes/new/", membership_views.change_new, name="change_new"),
    path("changes/", membership_views.change_inbox, name="change_inbox"),
    path("changes/<int:pk>/approve/", membership_views.change_approve, name="change_approve"),
    path("changes/<int:pk>/reject/", membership_views.change_reject, name="change_reject"),
    path("changes/<int:pk>/withdraw/", membership_views.change_withdraw, name="change_withdraw"),
    path("changes/<int:pk>/cancel/", membership_views.change_cancel, name="change_cancel"),
    # Roster imports (members/views/imports.py)
    path("imports/", import_views.import_list, name="import_list"),
    path("imports/new/", import_views.import_new, name="import_new"),
    path("imports/template.xlsx", import_views.import_template, name="import_template"),
    path("imports/<int:pk>/", import_views.import_detail, name="import_detail"),
    path("imports/<int:pk>/progress/", import_views.import_progress, name="import_progress"),
    path("imports/<int:pk>/commit/", import_views.import_commit, name="import_commit"),
]
