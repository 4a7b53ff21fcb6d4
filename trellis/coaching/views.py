from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import formats
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from trellis.coaching import selectors, services
from trellis.coaching.access import (
    is_animator,
    person_for_office,
    require_coaching_user,
    require_self_assessor,
    session_for_user,
)
from trellis.coaching.forms import AssessmentForm, CompletionForm, SessionForm, TrainingForm
from trellis.coaching.models import Assessment, Competency, Training, TrainingCompletion
from trellis.core.access import is_programme_office, person_for_user, require_programme_office
from trellis.health.charts import radar_chart
from trellis.people.models import Person

RADAR_SERIES = 3  # the latest assessments drawn on the radar; the table has them all


def _radar(person: Person, history: list[Assessment]) -> dict[str, Any] | None:
    if not history:
        return None
    axes = [str(label) for label in Competency.labels]
    shown = history[-RADAR_SERIES:]
    series = [(formats.date_format(a.on, "SHORT_DATE_FORMAT"), a.levels()) for a in shown]
    spec = radar_chart(
        axes,
        series,
        title=_("Competencies of %(name)s, levels 1 to 4") % {"name": person.name},
        description=_("Radar of the self-assessed competency levels, latest assessments."),
        legend_title=_("Assessment"),
        axis_title=_("Competency"),
        value_title=_("Level"),
    )
    table = {
        "headers": [_("Competency")]
        + [formats.date_format(a.on, "SHORT_DATE_FORMAT") for a in history],
        "rows": [
            [axis, *[str(a.levels()[i] or "—") for a in history]] for i, axis in enumerate(axes)
        ],
    }
    return {"spec": spec, "id": "competencies", "table": table}


@login_required
def coaching_home(request: HttpRequest) -> HttpResponse:
    require_coaching_user(request.user)
    person = person_for_user(request.user)
    office = is_programme_office(request.user)
    return render(
        request,
        "coaching/home.html",
        {
            "leaders_community": selectors.leaders_community(),
            "sessions": list(selectors.sessions_for(person, office=False)[:10]),
            "trainings_done": list(
                TrainingCompletion.objects.filter(person=person).select_related("training")
            ),
            "latest": Assessment.objects.filter(person=person).order_by("-on").first(),
            "is_office": office,
            "is_animator": is_animator(request.user),
            "nav": "programme" if office else "communities",
        },
    )


@login_required
def coaching_leaders(request: HttpRequest) -> HttpResponse:
    require_programme_office(request.user)
    return render(
        request,
        "coaching/leaders.html",
        {
            "leaders_community": selectors.leaders_community(),
            "leaders": list(selectors.leaders_overview()),
            "nav": "programme",
        },
    )


@login_required
@require_POST
def coaching_sync(request: HttpRequest) -> HttpResponse:
    require_programme_office(request.user)
    try:
        report = services.leaders_community_sync(actor=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("Community of leaders synchronised: %(added)d added, %(ended)d left.")
            % {"added": report.added, "ended": report.ended},
        )
    return redirect("coaching_leaders")


@login_required
def coaching_sessions(request: HttpRequest) -> HttpResponse:
    require_coaching_user(request.user)
    office = is_programme_office(request.user)
    sessions = selectors.sessions_for(person_for_user(request.user), office=office)
    return render(
        request,
        "coaching/sessions.html",
        {
            "sessions": list(sessions[:200]),
            "is_office": office,
            "nav": "programme" if office else "communities",
        },
    )


def _session_form_view(
    request: HttpRequest, session: Any = None, initial: dict[str, Any] | None = None
) -> HttpResponse:
    form = SessionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = services.session_save(actor=request.user, session=session, **data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Coaching session saved."))
            return redirect("coaching_session", pk=saved.pk)
    return render(
        request,
        "coaching/session_form.html",
        {"form": form, "session": session, "nav": "programme"},
    )


@login_required
def coaching_session_new(request: HttpRequest) -> HttpResponse:
    require_programme_office(request.user)
    return _session_form_view(request)


@login_required
def coaching_session(request: HttpRequest, pk: int) -> HttpResponse:
    """The office edits a session; its leader and coach read it."""
    session = session_for_user(request.user, pk)
    if is_programme_office(request.user):
        initial = {
            "leader": session.leader.email,
            "coach": session.coach.email,
            "on": session.on,
            "topics": session.topics,
            "follow_up": session.follow_up,
        }
        return _session_form_view(request, session, initial)
    if request.method == "POST":
        raise PermissionDenied
    return render(request, "coaching/session.html", {"session": session, "nav": "communities"})


@login_required
def training_catalogue(request: HttpRequest) -> HttpResponse:
    office = is_programme_office(request.user)
    person = person_for_user(request.user)
    mine = set(
        TrainingCompletion.objects.filter(person=person).values_list("training_id", flat=True)
    )
    trainings = selectors.catalogue()
    if not office:
        trainings = trainings.filter(is_active=True)
    return render(
        request,
        "coaching/trainings.html",
        {
            "trainings": list(trainings),
            "mine": mine,
            "is_office": office,
            "has_person": person is not None,
            "nav": "programme" if office else "communities",
        },
    )


@login_required
def training_new(request: HttpRequest) -> HttpResponse:
    require_programme_office(request.user)
    form = TrainingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.training_save(actor=request.user, **form.cleaned_data)
        messages.success(request, _("Training added to the catalogue."))
        return redirect("training_catalogue")
    return render(request, "coaching/training_form.html", {"form": form, "nav": "programme"})


@login_required
def training_complete(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a completion: one's own, or anyone's for the office."""
    office = is_programme_office(request.user)
    training = Training.objects.filter(pk=pk).first()
    if training is None or not (training.is_active or office):
        raise Http404
    me = person_for_user(request.user)
    if me is None and not office:
        raise PermissionDenied
    form = CompletionForm(request.POST or None)
    if not office:
        del form.fields["email"]
    if request.method == "POST" and form.is_valid():
        person = form.cleaned_data.get("email") or me
        if person is None:
            form.add_error("email", _("Give the e-mail of the person."))
        else:
            try:
                services.completion_record(
                    actor=request.user, training=training, person=person, on=form.cleaned_data["on"]
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("Training completion recorded."))
                return redirect("training_catalogue")
    return render(
        request,
        "coaching/completion_form.html",
        {"form": form, "training": training, "nav": "communities"},
    )


@login_required
def assessment_mine(request: HttpRequest) -> HttpResponse:
    person = require_self_assessor(request.user)
    history = selectors.assessments_of(person)
    latest = history[-1] if history else None
    initial = {f"c_{c}": level for c, level in (latest.scores.items() if latest else [])}
    form = AssessmentForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.assessment_save(
                actor=request.user,
                person=person,
                scores=form.scores(),
                on=form.cleaned_data["on"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Self-assessment saved."))
            return redirect("assessment_mine")
    return render(
        request,
        "coaching/assessment.html",
        {
            "form": form,
            "person": person,
            "history": history,
            "chart": _radar(person, history),
            "own": True,
            "nav": "communities",
        },
    )


@login_required
def assessment_person(request: HttpRequest, pk: int) -> HttpResponse:
    person = person_for_office(request.user, pk)
    history = selectors.assessments_of(person)
    return render(
        request,
        "coaching/assessment.html",
        {
            "person": person,
            "history": history,
            "chart": _radar(person, history),
            "own": False,
            "nav": "programme",
        },
    )
