"""Co-writing a treatment plan: the clinician drafts a new version, shares it, the client
comments or signs, the clinician signs; signed by both, the version is locked for good."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from iop.accounts.models import ClientProfile, Role, User
from iop.accounts.selectors import primary_clinician_of
from iop.audit.models import Action
from iop.audit.services import access_record
from iop.domain import Conflict, DomainError, NotAllowed
from iop.notify.models import Channel, Purpose
from iop.notify.services import message_enqueue
from iop.realtime.publish import publish_about_client
from iop.viewer import Actor, person_of
from records.models import (
    PlanGoal,
    PlanIntervention,
    PlanObjective,
    PlanStatus,
    TreatmentPlan,
)
from records.plan_content import PlanContent, completeness_errors, content_errors
from records.selectors.plans import may_write_plan, objective_marks_of, plan_clinicians_for
from records.services.reviews import _reviews_close_for_signing
from records.signatures import names_match

COMMENT_MAX = 2000
SIGNED_NAME_MAX = 200


def require_plan_writer(actor: Actor, client: ClientProfile) -> User:
    """The person drafting or reviewing, if they are on the client's care team or supervise
    the client's program (403 otherwise, with the reason)."""
    person = person_of(actor)
    if person is None:
        raise NotAllowed(
            "Treatment plans are drafted, signed and reviewed by people, not API keys."
        )
    if person.role == Role.CLIENT:
        raise NotAllowed(
            "Your care team drafts your treatment plan; you comment on it or sign it once "
            "they share it with you."
        )
    if not may_write_plan(person, client):
        raise NotAllowed(
            f"You are not on {client.user.display_name}'s care team: only their care team or "
            "the program's supervisor may draft or review their treatment plan."
        )
    return person


def _locked_plan(plan: TreatmentPlan) -> TreatmentPlan:
    plan = TreatmentPlan.objects.select_for_update().select_related("client__user").get(pk=plan.pk)
    if plan.is_locked:
        raise Conflict(
            f"Version {plan.version} is signed and locked; draft a new version to change the plan.",
            fields={"status": [f"This version is {plan.get_status_display().lower()}."]},
        )
    return plan


def _copy_content(source: TreatmentPlan, target: TreatmentPlan) -> None:
    """The signed version's text, with each objective's latest review mark, into a new draft."""
    marks = objective_marks_of(source)
    for goal in source.goals.order_by("position"):
        new_goal = PlanGoal.objects.create(plan=target, position=goal.position, text=goal.text)
        for objective in goal.objectives.order_by("position"):
            mark = marks.get(objective.pk)
            PlanObjective.objects.create(
                goal=new_goal,
                position=objective.position,
                text=objective.text,
                target_date=objective.target_date,
                status=mark.status if mark else objective.status,
                status_set_by=mark.reviewed_by if mark else objective.status_set_by,
                status_set_at=mark.reviewed_at if mark else objective.status_set_at,
            )
    PlanIntervention.objects.bulk_create(
        PlanIntervention(
            plan=target,
            position=item.position,
            modality=item.modality,
            frequency=item.frequency,
            responsible_clinician_id=item.responsible_clinician_id,
            description=item.description,
        )
        for item in source.interventions.order_by("position")
    )


def treatment_plan_draft(*, actor: Actor, client: ClientProfile) -> TreatmentPlan:
    """Start the next version, a copy of the signed one (empty for a first plan); one open
    draft per client."""
    person = require_plan_writer(actor, client)
    with transaction.atomic():
        ClientProfile.objects.select_for_update().filter(pk=client.pk).get()
        rows = TreatmentPlan.objects.filter(client=client)
        open_draft = rows.filter(status__in=(PlanStatus.DRAFT, PlanStatus.WITH_CLIENT)).first()
        if open_draft is not None:
            raise Conflict(
                f"Version {open_draft.version} is already being drafted; continue that one.",
                fields={"client": [f"Version {open_draft.version} is open ({open_draft.pk})."]},
            )
        signed = rows.filter(status=PlanStatus.SIGNED).first()
        plan = TreatmentPlan.objects.create(
            client=client,
            version=(rows.aggregate(v=Max("version"))["v"] or 0) + 1,
            status=PlanStatus.DRAFT,
            level_of_care=signed.level_of_care
            if signed
            else TreatmentPlan.level_of_care.field.default,
            presenting_problems=signed.presenting_problems if signed else "",
            client_words=signed.client_words if signed else "",
            created_by=person,
        )
        if signed is not None:
            _copy_content(signed, plan)
        access_record(
            actor=actor,
            action=Action.CREATE,
            client=client,
            obj=plan,
            detail=f"draft v{plan.version}" + (f" from v{signed.version}" if signed else ""),
        )
    return plan


def treatment_plan_edit(
    *, actor: Actor, plan: TreatmentPlan, content: PlanContent
) -> TreatmentPlan:
    """Replace the draft's text; a changed draft needs signing again (and sharing again, if the
    client had it)."""
    require_plan_writer(actor, plan.client)
    clinicians = {c.pk for c in plan_clinicians_for(plan.client)}
    errors = content_errors(content, clinician_ids=clinicians)
    if errors:
        raise DomainError("Check the plan: some fields need attention.", fields=errors)
    with transaction.atomic():
        plan = _locked_plan(plan)
        kept = {
            (o.goal.position, o.position, o.text): o
            for o in PlanObjective.objects.filter(goal__plan=plan).select_related("goal")
        }
        plan.goals.all().delete()
        plan.interventions.all().delete()
        for g, goal in enumerate(content.goals, start=1):
            row = PlanGoal.objects.create(plan=plan, position=g, text=goal.text.strip())
            for o, objective in enumerate(goal.objectives, start=1):
                text = objective.text.strip()
                old = kept.get((g, o, text))
                assert objective.target_date is not None  # content_errors refused it
                PlanObjective.objects.create(
                    goal=row,
                    position=o,
                    text=text,
                    target_date=objective.target_date,
                    **(
                        {
                            "status": old.status,
                            "status_set_by": old.status_set_by,
                            "status_set_at": old.status_set_at,
                        }
                        if old
                        else {}
                    ),
                )
        PlanIntervention.objects.bulk_create(
            PlanIntervention(
                plan=plan,
                position=i,
                modality=item.modality.strip(),
                frequency=item.frequency.strip(),
                responsible_clinician_id=item.responsible_clinician_id or 0,  # checked above
                description=item.description.strip(),
            )
            for i, item in enumerate(content.interventions, start=1)
        )
        plan.presenting_problems = content.presenting_problems.strip()
        plan.client_words = content.client_words.strip()
        plan.level_of_care = content.level_of_care
        plan.change_note = content.change_note.strip()
        was_shared = plan.status == PlanStatus.WITH_CLIENT
        plan.status = PlanStatus.DRAFT
        _clear_signatures(plan)
        plan.save()
        access_record(
            actor=actor,
            action=Action.UPDATE,
            client=plan.client,
            obj=plan,
            detail=f"edited draft v{plan.version}"
            + (" (taken back from the client)" if was_shared else ""),
        )
    return plan


def _clear_signatures(plan: TreatmentPlan) -> None:
    plan.clinician_signed_by, plan.clinician_signed_name, plan.clinician_signed_at = None, "", None
    plan.client_signed_by, plan.client_signed_name, plan.client_signed_at = None, "", None


def _require_complete(plan: TreatmentPlan) -> None:
    goals = [(g.text, g.objectives.count()) for g in plan.goals.order_by("position")]
    errors = completeness_errors(presenting_problems=plan.presenting_problems, goals=goals)
    if errors:
        raise DomainError("The plan is not complete yet.", fields=errors)


def treatment_plan_share(*, actor: Actor, plan: TreatmentPlan) -> TreatmentPlan:
    """Give the client the draft to read in the portal, to comment on or sign."""
    require_plan_writer(actor, plan.client)
    with transaction.atomic():
        plan = _locked_plan(plan)
        if plan.status == PlanStatus.WITH_CLIENT:
            raise Conflict(
                "The client already has this version.", fields={"status": ["Already shared."]}
            )
        _require_complete(plan)
        plan.status = PlanStatus.WITH_CLIENT
        plan.shared_at = timezone.now()
        plan.save(update_fields=["status", "shared_at"])
        access_record(
            actor=actor, action=Action.UPDATE, client=plan.client, obj=plan, detail="shared"
        )
        _tell_client(plan)
    return plan


def treatment_plan_comment(*, actor: Actor, plan: TreatmentPlan, comment: str) -> TreatmentPlan:
    """The client sends the shared draft back to their clinician with a comment."""
    person = _require_own_client(actor, plan)
    comment = (comment or "").strip()
    if not comment:
        raise DomainError("Write your comment.", fields={"comment": ["This field is required."]})
    if len(comment) > COMMENT_MAX:
        raise DomainError(
            "Your comment is too long.",
            fields={"comment": [f"Keep your comment under {COMMENT_MAX} characters."]},
        )
    with transaction.atomic():
        plan = _locked_plan(plan)
        _require_shared(plan)
        plan.client_comment = comment
        plan.client_commented_at = timezone.now()
        plan.status = PlanStatus.DRAFT
        plan.save(update_fields=["client_comment", "client_commented_at", "status"])
        access_record(
            actor=person, action=Action.UPDATE, client=plan.client, obj=plan, detail="commented"
        )
        _tell_clinician(plan, f"{plan.client.user.display_name} commented on their treatment plan")
    return plan


def _require_own_client(actor: Actor, plan: TreatmentPlan) -> User:
    person = person_of(actor)
    if person is None or person.role != Role.CLIENT or plan.client.user_id != person.pk:
        raise NotAllowed("Only the client signs or comments on their own treatment plan.")
    return person


def _require_shared(plan: TreatmentPlan) -> None:
    if plan.status != PlanStatus.WITH_CLIENT:
        raise Conflict(
            "Your care team is still working on this version; it has not been shared with you.",
            fields={"status": ["Not shared with the client."]},
        )


def treatment_plan_sign(*, actor: Actor, plan: TreatmentPlan, typed_name: str) -> TreatmentPlan:
    """The client (a shared version) or a care-team clinician signs by typing their full name;
    with both signatures the version is locked and the previous one superseded."""
    person = person_of(actor)
    if person is None:
        raise NotAllowed("A treatment plan is signed by a person, not an API key.")
    as_client = person.role == Role.CLIENT
    if as_client:
        _require_own_client(actor, plan)
    else:
        require_plan_writer(actor, plan.client)
    typed_name = (typed_name or "").strip()
    if not names_match(typed_name, person):
        raise DomainError(
            "The typed name does not match.",
            fields={"typed_name": ["Type your full name exactly as it is on your account."]},
        )
    with transaction.atomic():
        plan = _locked_plan(plan)
        now = timezone.now()
        if as_client:
            _require_shared(plan)
            if plan.client_signed_at is not None:
                raise Conflict(
                    "You already signed this version.", fields={"typed_name": ["Already signed."]}
                )
            plan.client_signed_by, plan.client_signed_name = person, typed_name[:SIGNED_NAME_MAX]
            plan.client_signed_at = now
        else:
            if plan.clinician_signed_at is not None:
                raise Conflict(
                    f"{plan.clinician_signed_name} already signed this version for the clinic.",
                    fields={"typed_name": ["Already signed by a clinician."]},
                )
            _require_complete(plan)
            plan.clinician_signed_by, plan.clinician_signed_name = (
                person,
                typed_name[:SIGNED_NAME_MAX],
            )
            plan.clinician_signed_at = now
        both = plan.client_signed_at is not None and plan.clinician_signed_at is not None
        if both:
            TreatmentPlan.objects.filter(client=plan.client, status=PlanStatus.SIGNED).update(
                status=PlanStatus.SUPERSEDED
            )
            plan.status = PlanStatus.SIGNED
        plan.save()
        access_record(
            actor=actor,
            action=Action.UPDATE,
            client=plan.client,
            obj=plan,
            detail=f"signed v{plan.version} as {'client' if as_client else 'clinician'}"
            + ("; locked" if both else ""),
        )
        if both:
            _reviews_close_for_signing(actor=actor, plan=plan, at=now)
        if as_client:
            _tell_clinician(
                plan,
                f"{plan.client.user.display_name} signed their treatment plan (v{plan.version})",
            )
    return plan


def _tell_client(plan: TreatmentPlan) -> None:
    """An email that a plan waits for them, never what it says."""
    user = plan.client.user
    if not user.is_active or not user.email or plan.shared_at is None:
        return
    link = f"{settings.PUBLIC_BASE_URL}{reverse('records:plan')}"
    message_enqueue(
        actor=None,
        channel=Channel.EMAIL,
        purpose=Purpose.OUTREACH,
        idempotency_key=f"records:plan:{plan.pk}:shared:{int(plan.shared_at.timestamp())}",
        user=user,
        client=plan.client,
        about=plan,
        subject="Your treatment plan is ready for you to review",
        body="Your care team shared your treatment plan with you. Sign in to read it, comment "
        f"or sign it: {link}",
    )


def _tell_clinician(plan: TreatmentPlan, title: str) -> None:
    clinician = primary_clinician_of(plan.client)
    if clinician is None:
        return
    publish_about_client(
        "records.plan",
        {"title": title, "url": reverse("records_staff:plan", args=[plan.client_id])},
        client_id=plan.client_id,
        user_ids=[clinician.pk],
    )
