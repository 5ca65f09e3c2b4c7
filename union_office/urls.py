from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from . import health, views
from .accounts.throttles import throttle_login, throttle_password_reset

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("todo/badge/", views.todo_badge, name="todo_badge"),
    path("login/", throttle_login(auth_views.LoginView.as_view(redirect_authenticated_user=True)), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    # Forgotten password: a one-time link by email (console backend until EMAIL_HOST is set).
    path("password/reset/", throttle_password_reset(auth_views.PasswordResetView.as_view()), name="password_reset"),
    path("password/reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("password/reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    # TOTP two-factor authentication (docs/authentication.md).
    path("account/two-factor/", include("union_office.accounts.urls")),
    # The language switch must work on the login page too.
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    # Load balancer and compose healthchecks: database, cache, broker, storage (union_office/health.py).
    path("health/", health.health, name="health"),
    path("notifications/", include("union_office.notifications.urls")),
    path("members/", include("members.urls")),
    path("finance/", include("finance.urls")),
    path("welfare/", include("welfare.urls")),
    path("activities/", include("activities.urls")),
    path("congress/", include("congress.urls")),
    path("plans/", include("plans.urls")),
    path("yearend/", include("yearend.urls")),
    path("admin/", admin.site.urls),
]
