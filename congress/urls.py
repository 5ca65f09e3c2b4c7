from django.urls import path

from .views import exports, motions, sessions, votes

app_name = "congress"
urlpatterns = [
    path("", sessions.index, name="index"),
    path("inbox/", motions.inbox, name="inbox"),
    path("sessions/new/", sessions.session_create, name="session_create"),
    path("sessions/<int:pk>/", sessions.session_detail, name="session_detail"),
    path("sessions/<int:pk>/edit/", sessions.session_edit, name="session_edit"),
    path("sessions/<int:pk>/delegates/", sessions.delegates, name="delegates"),
    path("sessions/<int:pk>/composition/", sessions.composition, name="composition"),
    path("sessions/<int:pk>/suggestions/", sessions.suggestions, name="suggestions"),
    path("sessions/<int:pk>/suggestions/<int:suggestion_pk>/", sessions.suggestion_detail, name="suggestion_detail"),
    path("sessions/<int:pk>/motions/", motions.motion_list, name="motion_list"),
    path("sessions/<int:pk>/motions/new/", motions.motion_create, name="motion_create"),
    path("sessions/<int:pk>/ballots/", votes.ballots, name="ballots"),
    path("sessions/<int:pk>/statistics/", exports.statistics, name="statistics"),
    path("sessions/<int:pk>/compilation/", exports.compilation_request, name="compilation_request"),
    path("compilations/<int:pk>/", exports.compilation_detail, name="compilation_detail"),
    path("compilations/<int:pk>/download/", exports.compilation_download, name="compilation_download"),
    path("sessions/<int:pk>/handling.xlsx", exports.handling_xlsx, name="handling_xlsx"),
    path("motions/", motions.motion_all, name="motions"),
    path("motions/<int:pk>/", motions.motion_detail, name="motion_detail"),
    path("motions/<int:pk>/edit/", motions.motion_edit, name="motion_edit"),
    path("motions/<int:pk>/act/<slug:action>/", motions.motion_act, name="motion_act"),
    path("motions/<int:pk>/cosigners/", motions.cosigners_invite, name="cosigners_invite"),
    path("motions/<int:pk>/cosign/", motions.cosign, name="cosign"),
    path("motions/<int:pk>/flags/", motions.motion_flags, name="motion_flags"),
    path("motions/<int:pk>/attachment/", motions.motion_attachment, name="motion_attachment"),
    path("replies/<int:pk>/attachment/", motions.reply_attachment, name="reply_attachment"),
    path("ballots/<int:pk>/", votes.ballot_detail, name="ballot_detail"),
    path("ballots/<int:pk>/<slug:action>/", votes.ballot_status, name="ballot_status"),
]
