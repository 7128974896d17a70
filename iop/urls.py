from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from iop import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    # Browsers ask for /favicon.ico whatever the page links.
    path("favicon.ico", RedirectView.as_view(url=static("favicon.svg"), permanent=True)),
    path("accounts/", include("iop.accounts.urls")),
    path("consents/", include("iop.consents.urls")),
    path("staff/crisis/", include("crisis.staff_urls")),
    path("staff/sessions/", include("sessions_app.staff_urls")),
    path("staff/support/", include("support.staff_urls")),
    path("staff/recordings/", include("recordings.staff_urls")),
    path("staff/messaging/", include("messaging.staff_urls")),
    path("staff/records/", include("records.staff_urls")),
    path("staff/", include("iop.accounts.staff_urls")),
    path("sessions/", include("sessions_app.urls")),
    # Before api/: iop.api.urls ends in a catch-all JSON 404.
    path("api/v1/", include("sessions_app.api_urls")),
    path("api/v1/", include("crisis.api_urls")),
    path("api/v1/", include("support.api_urls")),
    path("api/v1/", include("recordings.api_urls")),
    path("api/v1/", include("messaging.api_urls")),
    path("api/v1/", include("records.api_urls")),
    path("crisis/", include("crisis.urls")),
    path("support/", include("support.urls")),
    path("recordings/", include("recordings.urls")),
    path("messages/", include("messaging.urls")),
    path("records/", include("records.urls")),
    path("api/", include("iop.api.urls")),
    path("hooks/twilio/", include("iop.notify.urls")),
    path("hooks/crisis/", include("crisis.hook_urls")),
    path("hooks/sessions/", include("sessions_app.hook_urls")),
    path("hooks/support/", include("support.hook_urls")),
    path("hooks/recordings/", include("recordings.hook_urls")),
    path("hooks/messaging/", include("messaging.hook_urls")),
    path("hooks/records/", include("records.hook_urls")),
    path("admin/", admin.site.urls),
]

# Harbor's own error pages; under /api/ they answer in the API's JSON error shape.
handler403 = "iop.error_pages.permission_denied"
handler404 = "iop.error_pages.page_not_found"
handler500 = "iop.error_pages.server_error"
