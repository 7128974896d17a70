"""The client portal's clinical record (mounted at /records/)."""

from django.urls import path

from records.views import portal

app_name = "records"

urlpatterns = [
    path("plan/", portal.plan, name="plan"),
    path("plan/<int:plan_id>/comment/", portal.plan_comment, name="plan_comment"),
    path("plan/<int:plan_id>/sign/", portal.plan_sign, name="plan_sign"),
]
