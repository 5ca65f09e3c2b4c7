from django.urls import path

from . import views

app_name = "yearend"

urlpatterns = [
    path("", views.index, name="index"),
    path("draft/", views.draft, name="draft"),
    path("summaries/<int:pk>/", views.summary_detail, name="summary"),
    path("summaries/<int:pk>/redraft/", views.redraft, name="redraft"),
    path("summaries/<int:pk>/move/<slug:action>/", views.transition, name="transition"),
    path("summaries/<int:pk>/summary.pdf", views.export_pdf, name="export_pdf"),
    path("summaries/<int:pk>/summary.docx", views.export_docx, name="export_docx"),
    path("sections/<int:pk>/", views.section_edit, name="section_edit"),
    path("statistics/", views.statistics, name="statistics"),
    path("statistics/xlsx/", views.statistics_export, name="statistics_xlsx"),
    path("county/", views.county, name="county"),
    path("county/remind/", views.remind, name="remind"),
    path("search/", views.search, name="search"),
]
