from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("", views.overview, name="two_factor"),
    path("enrol/", views.enrol, name="two_factor_enrol"),
    path("verify/", views.verify, name="two_factor_verify"),
    path("backup-codes/", views.backup_codes, name="two_factor_backup_codes"),
    path("backup-codes/renew/", views.regenerate_backup_codes, name="two_factor_backup_codes_renew"),
    path("disable/", views.disable, name="two_factor_disable"),
]
