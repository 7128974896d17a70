from django.urls import path

from iop.accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.SignInView.as_view(), name="login"),
    path("logout/", views.sign_out, name="logout"),
    path("two-factor/", views.two_factor_start, name="two_factor"),
    path("two-factor/setup/", views.two_factor_setup, name="two_factor_setup"),
    path("two-factor/verify/", views.two_factor_verify, name="two_factor_verify"),
    path("two-factor/backup-codes/", views.backup_codes, name="backup_codes"),
    path("password/", views.password_change, name="password_change"),
    path("password/reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("password/reset/sent/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/done/",
        views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("portal/", views.portal, name="portal"),
    path("profile/", views.profile, name="profile"),
    path("profile/phone/", views.phone_change, name="phone_change"),
    path("profile/phone/confirm/", views.phone_confirm, name="phone_confirm"),
    path("profile/contacts/new/", views.contact_edit, name="contact_new"),
    path("profile/contacts/<int:contact_id>/", views.contact_edit, name="contact_edit"),
    path("profile/contacts/<int:contact_id>/delete/", views.contact_delete, name="contact_delete"),
    path("profile/contacts/<int:contact_id>/up/", views.contact_move_up, name="contact_up"),
]
