from django.urls import path

from iop.consents import views

app_name = "consents"

urlpatterns = [
    path("", views.consent_list, name="list"),
    path("<str:kind>/", views.consent_detail, name="detail"),
    path("<str:kind>/grant/", views.consent_grant_view, name="grant"),
    path("<str:kind>/withdraw/", views.consent_withdraw_view, name="withdraw"),
]
