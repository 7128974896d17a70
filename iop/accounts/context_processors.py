from django.conf import settings


def clinic(request):
    return {
        "clinic_name": settings.CLINIC_NAME,
        "clinic_crisis_line": settings.CLINIC_CRISIS_LINE,
        "national_crisis_line": settings.NATIONAL_CRISIS_LINE,
    }
