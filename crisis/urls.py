"""The client's crisis pages, under /crisis/."""

from django.urls import path

from crisis.views import portal

app_name = "crisis"

urlpatterns = [
    path("help/", portal.help_now, name="help"),
    path("events/<int:event_id>/location/", portal.share_location, name="location"),
    path("events/<int:event_id>/state/", portal.help_state, name="help_state"),
    path("events/<int:event_id>/mistake/", portal.help_mistake, name="help_mistake"),
    path("safety-plan/", portal.safety_plan, name="safety_plan"),
    path("safety-plan/edit/", portal.safety_plan_edit, name="safety_plan_edit"),
    path("safety-plan/print/", portal.safety_plan_print, name="safety_plan_print"),
    path(
        "safety-plan/versions/<int:version>/",
        portal.safety_plan_version,
        name="safety_plan_version",
    ),
    path("check-ins/", portal.check_ins, name="check_ins"),
    path("check-ins/<slug:code>/", portal.check_in, name="check_in"),
]
