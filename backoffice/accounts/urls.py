from django.urls import path

from backoffice.accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("login/verify/", views.login_verify, name="login-verify"),
    path("logout/", views.logout_view, name="logout"),
    path("password-reset/", views.password_reset, name="password-reset"),
    path("password-reset/sent/", views.password_reset_done, name="password-reset-done"),
    path(
        "password-reset/<uidb64>/<token>/",
        views.PasswordResetConfirm.as_view(),
        name="password-reset-confirm",
    ),
    path(
        "password-reset/complete/",
        views.password_reset_complete,
        name="password-reset-complete",
    ),
    path("password/", views.password_change, name="password-change"),
    path("confirm-password/", views.confirm_password, name="confirm-password"),
    path("security/", views.security, name="security"),
    path("sessions/<str:session_id>/end/", views.end_session, name="end-session"),
    path("sessions/end-others/", views.end_other_sessions, name="end-other-sessions"),
    path("two-factor/setup/", views.two_factor_setup, name="two-factor-setup"),
    path("two-factor/disable/", views.two_factor_disable, name="two-factor-disable"),
    path("two-factor/recovery-codes/", views.recovery_codes, name="recovery-codes"),
    path(
        "two-factor/recovery-codes/new/",
        views.regenerate_recovery_codes,
        name="recovery-codes-new",
    ),
    path("language/", views.set_language, name="language"),
]
