from django.urls import path

from .views import roster

app_name = "members"
urlpatterns = [
    path("", roster.member_list, name="member_list"),
    path("<int:pk>/", roster.member_detail, name="member_detail"),
    path("<int:pk>/edit/", roster.member_edit, name="member_edit"),
    path("<int:pk>/id-number/", roster.member_reveal_id_number, name="member_reveal_id_number"),
    path("units/", roster.unit_list, name="unit_list"),
    path("units/<int:pk>/", roster.unit_detail, name="unit_detail"),
]
