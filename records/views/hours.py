"""Staff pages of the IOP hours: the weekly hours report and its CSV export."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from iop.accounts.decorators import staff_required
from iop.domain import NotAllowed
from records.selectors.hours_report import hours_report_csv, hours_report_for
from records.weeks import parse_week


def _week(request) -> tuple[date | None, str]:
    raw = request.GET.get("week")
    if not raw:
        return None, ""
    try:
        return parse_week(raw), ""
    except ValueError as error:
        return None, str(error)


@require_GET
@staff_required
def hours_report(request):
    """Every client's hours (a supervisor: the program; a clinician: their caseload)."""
    week, error = _week(request)
    if error:
        return render(request, "records/staff/hours.html", {"error": error}, status=400)
    try:
        report = hours_report_for(request.user, week=week)
    except NotAllowed as refused:
        raise PermissionDenied(str(refused)) from None
    return render(request, "records/staff/hours.html", {"report": report, "week": week})


@require_GET
@staff_required
def hours_report_export(request):
    """The report as CSV (audited as an export)."""
    week, error = _week(request)
    if error:
        return HttpResponse(error, status=400, content_type="text/plain; charset=utf-8")
    try:
        body = hours_report_csv(request.user, week=week)
    except NotAllowed as refused:
        raise PermissionDenied(str(refused)) from None
    name = f"weekly-hours-{week or date.today()}.csv"
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response
