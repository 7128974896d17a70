from django.urls import path

from iop.accounts import staff_views

app_name = "staff"

urlpatterns = [
    path("", staff_views.dashboard, name="dashboard"),
    path("clients/<int:client_id>/", staff_views.client_record, name="client"),
    path("clients/<int:client_id>/access-log/", staff_views.client_access_log, name="client_access_log"),
]
