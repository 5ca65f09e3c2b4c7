from django.urls import path

from . import views, views_campaign

app_name = "welfare"
urlpatterns = [
    path("", views.index, name="index"),
    path("aid/", views.aid_list, name="aid_list"),
    path("aid/new/", views.aid_create, name="aid_create"),
    path("aid/<int:pk>/", views.aid_detail, name="aid_detail"),
    path("aid/<int:pk>/act/<slug:action>/", views.aid_act, name="aid_act"),
    path("aid/<int:pk>/upload/", views.aid_upload, name="aid_upload"),
    path("aid/<int:pk>/form.pdf", views.aid_pdf, name="aid_pdf"),
    path("files/", views.file_list, name="file_list"),
    path("files/new/", views.file_create, name="file_create"),
    path("files/<int:pk>/", views.file_detail, name="file_detail"),
    path("files/<int:pk>/act/<slug:action>/", views.file_act, name="file_act"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment"),
    path("notice/", views.notice_board, name="notice"),
    path("notice/<int:unit_pk>/notice.pdf", views.notice_pdf, name="notice_pdf"),
    path("notice/<int:pk>/objection/", views.objection_raise, name="objection_raise"),
    path("objections/<int:pk>/resolve/", views.objection_resolve, name="objection_resolve"),
    path("visits/", views.visit_list, name="visits"),
    path("visit-rules/", views.visit_rules, name="visit_rules"),
    path("visit-rules/<int:pk>/clear/", views.visit_rule_clear, name="visit_rule_clear"),
    path("report/", views.report, name="report"),
    path("jinqiu/", views_campaign.campaign_list, name="campaign_list"),
    path("jinqiu/new/", views_campaign.campaign_create, name="campaign_create"),
    path("jinqiu/<int:pk>/", views_campaign.campaign_detail, name="campaign_detail"),
    path("jinqiu/<int:pk>/apply/", views_campaign.student_apply, name="student_apply"),
    path("jinqiu/<int:pk>/notice/", views_campaign.campaign_notice, name="campaign_notice"),
    path("jinqiu/students/<int:pk>/", views_campaign.student_detail, name="student_detail"),
    path("jinqiu/students/<int:pk>/form.pdf", views_campaign.student_pdf, name="student_pdf"),
    path("jinqiu/students/<int:pk>/act/<slug:action>/", views_campaign.student_act, name="student_act"),
    path("jinqiu/students/<int:pk>/objection/", views_campaign.objection_raise, name="student_objection_raise"),
    path("jinqiu/objections/<int:pk>/resolve/", views_campaign.objection_resolve, name="student_objection_resolve"),
    path("jinqiu/payments/<int:pk>/<slug:action>/", views_campaign.payment_act, name="payment_act"),
]
