from django.urls import path

from .views import calendar, events, groups, member_attendance, occurrences, policies, schedules, signups

app_name = "activities"
urlpatterns = [
    path("", events.event_list, name="index"),
    path("new/", events.event_create, name="event_create"),
    path("<int:pk>/", events.event_detail, name="event_detail"),
    path("<int:pk>/edit/", events.event_edit, name="event_edit"),
    path("<int:pk>/move/<slug:action>/", events.event_transition, name="event_transition"),
    path("<int:pk>/items/", events.item_add, name="item_add"),
    path("<int:pk>/results/", events.results, name="results"),
    path("<int:pk>/expenses/", events.expense_create, name="expense_create"),
    path("<int:pk>/signup/", signups.signup, name="signup"),
    path("<int:pk>/cancel/", signups.cancel, name="cancel"),
    path("<int:pk>/signup-for/", signups.signup_for, name="signup_for"),
    path("<int:pk>/items/<int:item_pk>/toggle/", signups.item_toggle, name="item_toggle"),
    path("<int:pk>/check-in/", signups.check_in_page, name="check_in_page"),
    path("<int:pk>/check-in/<int:signup_pk>/", signups.check_in, name="check_in"),
    path("<int:pk>/roster/", signups.roster_print, name="roster_print"),
    path("<int:pk>/roster.xlsx", signups.roster_export, name="roster_export"),
    path("calendar/", calendar.month, name="calendar"),
    path("calendar/feed/", calendar.feed_settings, name="feed_settings"),
    path("calendar/feed/renew/", calendar.feed_renew, name="feed_renew"),
    path("calendar/feed/revoke/", calendar.feed_revoke, name="feed_revoke"),
    path("calendar/<str:token>.ics", calendar.ics_feed, name="ics_feed"),
    path("schedules/", schedules.schedule_list, name="schedules"),
    path("schedules/new/", schedules.schedule_create, name="schedule_create"),
    path("schedules/<int:pk>/", schedules.schedule_detail, name="schedule_detail"),
    path("schedules/<int:pk>/skip/", schedules.schedule_skip, name="schedule_skip"),
    path("occurrences/<int:pk>/", occurrences.occurrence_detail, name="occurrence_detail"),
    path("occurrences/<int:pk>/signup/", occurrences.occurrence_signup_view, name="occurrence_signup"),
    path("occurrences/<int:pk>/tick/", occurrences.occurrence_tick, name="occurrence_tick"),
    path(
        "occurrences/<int:pk>/check-in/<str:token>/", occurrences.occurrence_check_in_view, name="occurrence_check_in"
    ),
    path("schedules/<int:pk>/attendance.xlsx", occurrences.attendance_export, name="attendance_export"),
    path("attendance/", member_attendance.member_attendance, name="member_attendance"),
    path("groups/", groups.group_list, name="groups"),
    path("groups/new/", groups.group_create, name="group_create"),
    path("groups/<int:pk>/", groups.group_detail, name="group_detail"),
    path("groups/<int:pk>/membership/", groups.group_membership, name="group_membership"),
    path("groups/<int:pk>/plans/", groups.group_plan_save, name="group_plan_save"),
    path("group-plans/<int:pk>/<slug:action>/", groups.group_plan_transition, name="group_plan_transition"),
    path("rules/", policies.policy_list, name="policies"),
    path("rules/<int:pk>/", policies.policy_edit, name="policy_edit"),
    path("rules/<int:pk>/delete/", policies.policy_delete, name="policy_delete"),
]
