from django.urls import path

from .views import editor, plans

app_name = "plans"
urlpatterns = [
    path("", plans.plan_index, name="index"),
    path("<int:pk>/", plans.plan_detail, name="detail"),
    path("<int:pk>/transition/<slug:action>/", plans.plan_transition, name="transition"),
    path("<int:pk>/new-version/", plans.plan_new_version, name="new_version"),
    path("<int:pk>/follow/", plans.plan_follow, name="follow"),
    path("<int:pk>/schedule/<int:entry_pk>/event/", plans.schedule_event, name="schedule_event"),
    path("<int:pk>/<slug:kind>/<int:obj_pk>/recurring/", plans.recurring_activity, name="recurring_activity"),
    path("items/<int:pk>/progress/", plans.item_progress, name="item_progress"),
    path("compare/", plans.plan_compare, name="compare"),
    path("<int:pk>/plan.pdf", plans.export_pdf, name="export_pdf"),
    path("<int:pk>/plan.docx", plans.export_docx, name="export_docx"),
    # The editor (plans/views/editor/): starting a plan, and drafting it in place with htmx.
    path("new/", editor.plan_create, name="create"),
    path("paste/", editor.plan_paste, name="paste"),
    path("<int:pk>/edit/", editor.editor, name="editor"),
    path("<int:pk>/edit/header/", editor.header_edit, name="header_edit"),
    path("<int:pk>/edit/sections/add/", editor.section_add, name="section_add"),
    path("<int:pk>/edit/items/add/", editor.item_add, name="item_add"),
    path("<int:pk>/edit/move/", editor.node_move, name="node_move"),
    path("<int:pk>/edit/deadline/", editor.deadline_preview, name="deadline_preview"),
    path("<int:pk>/edit/owners/", editor.owner_suggest, name="owner_suggest"),
    path("<int:pk>/edit/sections/<int:node_pk>/indent/", editor.section_indent, name="section_indent"),
    path("<int:pk>/edit/sections/<int:node_pk>/outdent/", editor.section_outdent, name="section_outdent"),
    path("<int:pk>/edit/schedule/add/", editor.schedule_add, name="schedule_add"),
    path("<int:pk>/edit/schedule/move/", editor.schedule_move, name="schedule_move"),
    path("<int:pk>/edit/schedule/<int:entry_pk>/", editor.schedule_edit, name="schedule_edit"),
    path("<int:pk>/edit/schedule/<int:entry_pk>/delete/", editor.schedule_delete, name="schedule_delete"),
    # kind is "section" or "item"; after the schedule paths, which it would otherwise swallow.
    path("<int:pk>/edit/<slug:kind>/<int:node_pk>/", editor.node_edit, name="node_edit"),
    path("<int:pk>/edit/<slug:kind>/<int:node_pk>/delete/", editor.node_delete, name="node_delete"),
]
