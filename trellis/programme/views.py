"""Pages of programme support. Thin: parse, call one access helper and one service, render."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from trellis.core.access import (
    can_see_dashboard,
    is_programme_office,
    person_for_user,
    require_programme_office,
)
from trellis.core.models import ProgrammeSettings
from trellis.programme import access, pdf, selectors, services
from trellis.programme.forms import (
    EscalationForm,
    EscalationHandleForm,
    EscalationManageForm,
    LetterFilterForm,
    LetterForm,
    ResourceDecisionForm,
    ResourceForm,
    SignForm,
)
from trellis.programme.models import EngagementLetter, Escalation, ResourceRequest

PAGE_SIZE = 25


def _add_errors(form: Any, error: ValidationError) -> None:
    """Attach a service's ValidationError to the form: per field when the form has it."""
    if hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _page(request: HttpRequest, qs: QuerySet[Any]) -> Any:
    return Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))


# --- Engagement letters -----------------------------------------------------------------------


@login_required
def letters(request: HttpRequest) -> HttpResponse:
    """The office sees every letter (with filters); anyone else the letters about them and
    those they sign as a manager."""
    qs = access.letters_for_user(request.user).order_by("-start", "person__name", "pk")
    office = is_programme_office(request.user)
    form = LetterFilterForm(request.GET or None)
    if office and form.is_valid():
        status = form.cleaned_data["status"]
        if status == "ending":
            today = timezone.localdate()
            qs = qs.filter(
                status=EngagementLetter.Status.SIGNED,
                end__lte=today + dt.timedelta(days=services.REMINDER_DAYS),
            )
        elif status:
            qs = qs.filter(status=status)
        if form.cleaned_data["community"]:
            qs = qs.filter(community=form.cleaned_data["community"])
    params = {k: str(v) for k, v in request.GET.items() if k != "page" and v}
    return render(
        request,
        "programme/letters.html",
        {
            "page": _page(request, qs),
            "form": form,
            "office": office,
            "me": person_for_user(request.user),
            "querystring": urlencode(params) + "&" if params else "",
            "nav": "programme" if office else "",
        },
    )


@login_required
def letter_create(request: HttpRequest) -> HttpResponse:
    require_programme_office(request.user)
    form = LetterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            letter = services.letter_create(
                actor=request.user,
                person=data["person"],
                community=data["community"],
                manager=data["manager"],
                time_unit=data["time_unit"],
                time_amount=data["time_amount"],
                start=data["start"],
                end=data["end"],
                objectives=data["objectives"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Draft letter saved."))
            return redirect("letter_detail", pk=letter.pk)
    return render(request, "programme/letter_form.html", {"form": form, "nav": "programme"})


@login_required
def letter_detail(request: HttpRequest, pk: int) -> HttpResponse:
    letter = access.letter_for_user(request.user, pk)
    me = person_for_user(request.user)
    office = is_programme_office(request.user)
    can_sign = letter.is_signable and me is not None and letter.manager_id == me.pk
    return render(
        request,
        "programme/letter_detail.html",
        {
            "letter": letter,
            "office": office,
            "can_sign": can_sign,
            "sign_form": SignForm() if can_sign else None,
            "renewals": list(letter.renewals.order_by("start")),
            "nav": "programme" if office else "",
        },
    )


@login_required
def letter_edit(request: HttpRequest, pk: int) -> HttpResponse:
    letter = access.letter_for_office(request.user, pk)
    if not letter.is_editable:
        messages.error(request, _("Only a draft letter can be changed."))
        return redirect("letter_detail", pk=letter.pk)
    initial = {
        "manager_email": letter.manager.email,
        "time_unit": letter.time_unit,
        "time_amount": letter.time_amount,
        "start": letter.start,
        "end": letter.end,
        "objectives": letter.objectives,
    }
    form = LetterForm(request.POST or None, initial=initial, letter=letter)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.letter_update(
                actor=request.user,
                letter=letter,
                manager=data["manager"],
                time_unit=data["time_unit"],
                time_amount=data["time_amount"],
                start=data["start"],
                end=data["end"],
                objectives=data["objectives"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Letter saved."))
            return redirect("letter_detail", pk=letter.pk)
    return render(
        request,
        "programme/letter_form.html",
        {"form": form, "letter": letter, "nav": "programme"},
    )


@login_required
@require_POST
def letter_send(request: HttpRequest, pk: int) -> HttpResponse:
    letter = access.letter_for_office(request.user, pk)
    try:
        services.letter_send(
            actor=request.user, letter=letter, base_url=request.build_absolute_uri("/")
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("The letter was e-mailed to %(manager)s for signature.")
            % {"manager": letter.manager.name},
        )
    return redirect("letter_detail", pk=letter.pk)


@login_required
@require_POST
def letter_sign(request: HttpRequest, pk: int) -> HttpResponse:
    """The manager signs or declines in the application."""
    letter = access.letter_for_signer(request.user, pk)
    me = person_for_user(request.user)
    assert me is not None  # letter_for_signer checked it
    form = SignForm(request.POST)
    if form.is_valid():
        try:
            services.letter_decide(
                actor=request.user,
                letter=letter,
                signer=me,
                sign=form.cleaned_data["decision"] == "sign",
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(
                request,
                _("Letter signed.")
                if form.cleaned_data["decision"] == "sign"
                else _("Letter declined."),
            )
            return redirect("letter_detail", pk=letter.pk)
    for field_errors in form.errors.values():
        for text in field_errors:
            messages.error(request, str(text))
    return redirect("letter_detail", pk=letter.pk)


@login_required
@require_POST
def letter_renew(request: HttpRequest, pk: int) -> HttpResponse:
    letter = access.letter_for_office(request.user, pk)
    try:
        renewal = services.letter_renew(actor=request.user, letter=letter)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("letter_detail", pk=letter.pk)
    messages.success(request, _("A draft for the next period was created from this letter."))
    return redirect("letter_detail", pk=renewal.pk)


@login_required
def letter_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    letter = access.letter_for_user(request.user, pk)
    if letter.signed_at is None:
        raise Http404
    response = HttpResponse(pdf.letter_pdf(request, letter), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="engagement-letter-{letter.pk}.pdf"'
    return response


LINK_STATUS = {"invalid": 404, "used": 410, "expired": 410, "closed": 410}


@never_cache
def letter_sign_link(request: HttpRequest, token: str) -> HttpResponse:
    """The manager's personal link: no account needed. The token is the key; the page shows
    the letter, in the manager's language, and records the decision once."""
    try:
        letter = services.letter_for_token(token)
    except services.LetterLinkError as error:
        return render(
            request,
            "programme/letter_link_refused.html",
            {"error": error},
            status=LINK_STATUS[error.code],
        )
    language = services._language(letter.manager)
    with translation.override(language):
        form = SignForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            sign = form.cleaned_data["decision"] == "sign"
            try:
                services.letter_decide_by_link(
                    token=token, sign=sign, reason=form.cleaned_data["reason"]
                )
            except services.LetterLinkError as error:
                return render(
                    request,
                    "programme/letter_link_refused.html",
                    {"error": error},
                    status=LINK_STATUS[error.code],
                )
            except ValidationError as error:
                _add_errors(form, error)
            else:
                return render(
                    request,
                    "programme/letter_link_done.html",
                    {"letter": letter, "signed": sign},
                )
        response = render(
            request,
            "programme/letter_sign_link.html",
            {"letter": letter, "form": form, "link_language": language},
        )
    # Only the origin as referrer: the token in the path never leaves; "no-referrer" would
    # make browsers send "Origin: null" and fail the CSRF check of the form.
    response["Referrer-Policy"] = "strict-origin"
    return response


# --- Escalations ------------------------------------------------------------------------------


@login_required
def escalations(request: HttpRequest) -> HttpResponse:
    office = is_programme_office(request.user)
    qs = access.escalations_for_user(request.user).order_by("-created_at", "-pk")
    return render(
        request,
        "programme/escalations.html",
        {
            "page": _page(request, qs),
            "office": office,
            "me": person_for_user(request.user),
            "can_raise": access.communities_to_escalate(request.user).exists(),
            "can_see_counts": can_see_dashboard(request.user),
            "querystring": "",
            "nav": "programme" if office else "",
        },
    )


@login_required
def escalation_create(request: HttpRequest) -> HttpResponse:
    access.require_escalation_raiser(request.user)
    me = person_for_user(request.user)
    form = EscalationForm(
        request.POST or None, communities=access.communities_to_escalate(request.user)
    )
    if request.method == "POST" and me is None:
        form.add_error(None, _("Your login is not linked to a person of the directory."))
    elif request.method == "POST" and form.is_valid():
        assert me is not None
        try:
            escalation = services.escalation_raise(
                actor=request.user,
                raised_by=me,
                community=form.cleaned_data["community"],
                kind=form.cleaned_data["kind"],
                description=form.cleaned_data["description"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(
                request, _("Your escalation was sent to the programme office, privately.")
            )
            return redirect("escalation_detail", pk=escalation.pk)
    return render(request, "programme/escalation_form.html", {"form": form})


@login_required
def escalation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    escalation = access.escalation_for_user(request.user, pk)
    office = is_programme_office(request.user)
    handler = access.can_handle_escalation(request.user, escalation)
    initial = {
        "status": escalation.status,
        "resolution": escalation.resolution,
        "mediator_email": escalation.mediator.email if escalation.mediator else "",
        "due_on": escalation.due_on,
    }
    return render(
        request,
        "programme/escalation_detail.html",
        {
            "escalation": escalation,
            "office": office,
            "manage_form": EscalationManageForm(initial=initial) if office else None,
            "handle_form": EscalationHandleForm(initial=initial)
            if handler and not office
            else None,
            "nav": "programme" if office else "",
        },
    )


def _escalation_form_page(
    request: HttpRequest, escalation: Escalation, form: Any, office: bool
) -> HttpResponse:
    return render(
        request,
        "programme/escalation_detail.html",
        {
            "escalation": escalation,
            "office": office,
            "manage_form": form if office else None,
            "handle_form": None if office else form,
            "nav": "programme" if office else "",
        },
        status=400,
    )


@login_required
@require_POST
def escalation_manage(request: HttpRequest, pk: int) -> HttpResponse:
    escalation = access.escalation_for_office(request.user, pk)
    form = EscalationManageForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.escalation_manage(
                actor=request.user,
                escalation=escalation,
                mediator=data["mediator_email"],
                due_on=data["due_on"],
                status=data["status"],
                resolution=data["resolution"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Escalation saved."))
            return redirect("escalation_detail", pk=escalation.pk)
    escalation.refresh_from_db()
    return _escalation_form_page(request, escalation, form, True)


@login_required
@require_POST
def escalation_handle(request: HttpRequest, pk: int) -> HttpResponse:
    escalation = access.escalation_for_handler(request.user, pk)
    form = EscalationHandleForm(request.POST)
    if form.is_valid():
        try:
            services.escalation_update(
                actor=request.user,
                escalation=escalation,
                status=form.cleaned_data["status"],
                resolution=form.cleaned_data["resolution"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Escalation saved."))
            return redirect("escalation_detail", pk=escalation.pk)
    escalation.refresh_from_db()
    return _escalation_form_page(request, escalation, form, is_programme_office(request.user))


@login_required
def escalations_dashboard(request: HttpRequest) -> HttpResponse:
    """Counts by kind and status, for those who steer the programme: never a name, a
    community or a word of a description."""
    if not can_see_dashboard(request.user):
        raise PermissionDenied
    return render(
        request,
        "programme/escalations_dashboard.html",
        {
            "counts": selectors.escalation_counts(timezone.localdate()),
            "statuses": [s.label for s in Escalation.Status],
            "office": is_programme_office(request.user),
            "nav": "programme" if is_programme_office(request.user) else "dashboard",
        },
    )


# --- Resources --------------------------------------------------------------------------------


@login_required
def resources(request: HttpRequest) -> HttpResponse:
    office = is_programme_office(request.user)
    qs = access.resources_for_user(request.user).order_by("-year", "-created_at", "-pk")
    year = request.GET.get("year", "")
    if year.isdigit():
        qs = qs.filter(year=int(year))
    return render(
        request,
        "programme/resources.html",
        {
            "page": _page(request, qs),
            "office": office,
            "can_request": access.communities_led(request.user).exists(),
            "years": selectors.resource_years(),
            "year": year,
            "querystring": urlencode({"year": year}) + "&" if year else "",
            "nav": "programme" if office else "",
        },
    )


@login_required
def resource_create(request: HttpRequest) -> HttpResponse:
    access.require_resource_requester(request.user)
    form = ResourceForm(request.POST or None, communities=access.communities_led(request.user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            item = services.resource_request(
                actor=request.user,
                community=data["community"],
                year=data["year"],
                kind=data["kind"],
                title=data["title"],
                amount=data["amount"],
                justification=data["justification"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Request sent to the programme office."))
            return redirect("resource_detail", pk=item.pk)
    return render(request, "programme/resource_form.html", {"form": form})


@login_required
def resource_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = access.resource_for_user(request.user, pk)
    office = is_programme_office(request.user)
    form = None
    if office:
        form = ResourceDecisionForm(
            initial={
                "status": item.status,
                "amount": item.amount,
                "decision_note": item.decision_note,
            }
        )
    return _resource_page(request, item, form, office)


def _resource_page(
    request: HttpRequest,
    item: ResourceRequest,
    form: ResourceDecisionForm | None,
    office: bool,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "programme/resource_detail.html",
        {
            "item": item,
            "form": form,
            "office": office,
            "currency": ProgrammeSettings.load().currency,
            "nav": "programme" if office else "",
        },
        status=status,
    )


@login_required
@require_POST
def resource_decide(request: HttpRequest, pk: int) -> HttpResponse:
    item = access.resource_for_user(request.user, pk)
    require_programme_office(request.user)
    form = ResourceDecisionForm(request.POST)
    if form.is_valid():
        try:
            services.resource_decide(
                actor=request.user,
                item=item,
                status=form.cleaned_data["status"],
                decision_note=form.cleaned_data["decision_note"],
                amount=form.cleaned_data["amount"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Decision saved."))
            return redirect("resource_detail", pk=item.pk)
    item.refresh_from_db()
    return _resource_page(request, item, form, True, status=400)


@login_required
def resources_budget(request: HttpRequest) -> HttpResponse:
    require_programme_office(request.user)
    raw = request.GET.get("year", "")
    year = int(raw) if raw.isdigit() else None
    return render(
        request,
        "programme/budget.html",
        {
            "overview": selectors.budget_overview(year),
            "years": selectors.resource_years(),
            "currency": ProgrammeSettings.load().currency,
            "nav": "programme",
        },
    )
