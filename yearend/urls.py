from django.urls import path

from .views import summary

app_name = "yearend"

urlpatterns = [
    path("", summary.index, name="index"),
    path("draft/", summary.draft, name="draft"),
    path("summaries/<int:pk>/", summary.summary_detail, name="summary"),
    path("summaries/<int:pk>/redraft/", summary.redraft, name="redraft"),
    path("summaries/<int:pk>/move/<slug:action>/", summary.transition, name="transition"),
    path("summaries/<int:pk>/summary.pdf", summary.export_pdf, name="export_pdf"),
    path("summaries/<int:pk>/summary.docx", summary.export_docx, name="export_docx"),
    path("sections/<int:pk>/", summary.section_edit, name="section_edit"),
    path("statistics/", summary.statistics, name="statistics"),
    path("statistics/xlsx/", summary.statistics_export, name="statistics_xlsx"),
    path("county/", summary.county, name="county"),
    path("county/remind/", summary.remind, name="remind"),
    path("search/", summary.search, name="search"),
]
