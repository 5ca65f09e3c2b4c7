from django.urls import path

from .views import aid, campaign, rules

app_name = "welfare"
urlpatterns = [
    path("", aid.index, name="index"),
    path("aid/", aid.aid_list, name="aid_list"),
    path("aid/new/", aid.aid_create, name="aid_create"),
    path("aid/<int:pk>/", aid.aid_detail, name="aid_detail"),
    path("aid/<int:pk>/act/<slug:action>/", aid.aid_act, name="aid_act"),
    path("aid/<int:pk>/upload/", aid.aid_upload, name="aid_upload"),
    path("aid/<int:pk>/form.pdf", aid.aid_pdf, name="aid_pdf"),
    path("files/", aid.file_list, name="file_list"),
    path("files/new/", aid.file_create, name="file_create"),
    path("files/<int:pk>/", aid.file_detail, name="file_detail"),
    path("files/<int:pk>/act/<slug:action>/", aid.file_act, name="file_act"),
    path("attachments/<int:pk>/", aid.attachment_download, name="attachment"),
    path("notice/", aid.notice_board, name="notice"),
    path("notice/<int:unit_pk>/notice.pdf", aid.notice_pdf, name="notice_pdf"),
    path("notice/<int:pk>/objection/", aid.objection_raise, name="objection_raise"),
    path("objections/<int:pk>/resolve/", aid.objection_resolve, name="objection_resolve"),
    path("visits/", aid.visit_list, name="visits"),
    path("visit-rules/", rules.visit_rules, name="visit_rules"),
    path("visit-rules/<int:pk>/clear/", rules.visit_rule_clear, name="visit_rule_clear"),
    path("report/", aid.report, name="report"),
    path("jinqiu/", campaign.campaign_list, name="campaign_list"),
    path("jinqiu/new/", campaign.campaign_create, name="campaign_create"),
    path("jinqiu/<int:pk>/", campaign.campaign_detail, name="campaign_detail"),
    path("jinqiu/<int:pk>/apply/", campaign.student_apply, name="student_apply"),
    path("jinqiu/<int:pk>/notice/", campaign.campaign_notice, name="campaign_notice"),
    path("jinqiu/students/", campaign.student_list, name="student_list"),
    path("jinqiu/students/<int:pk>/", campaign.student_detail, name="student_detail"),
    path("jinqiu/students/<int:pk>/form.pdf", campaign.student_pdf, name="student_pdf"),
    path("jinqiu/students/<int:pk>/act/<slug:action>/", campaign.student_act, name="student_act"),
    path("jinqiu/students/<int:pk>/objection/", campaign.objection_raise, name="student_objection_raise"),
    path("jinqiu/objections/<int:pk>/resolve/", campaign.objection_resolve, name="student_objection_resolve"),
    path("jinqiu/payments/<int:pk>/<slug:action>/", campaign.payment_act, name="payment_act"),
]
