from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from trellis.communities.views import _community_context as community_header_context
from trellis.core.access import (
    community_for_user,
    is_programme_office,
    person_for_user,
    require_dashboard_reader,
)
from trellis.people.models import Person
from trellis.stories import access, selectors, services
from trellis.stories.attachments import max_bytes
from trellis.stories.forms import (
    AttachmentForm,
    BenefitForm,
    CommentForm,
    RefuseForm,
    StoryFilterForm,
    StoryForm,
)
from trellis.stories.models import Attachment, Benefit, Status, Story

PAGE_SIZE = 24


def _errors(error: ValidationError) -> str:
    return " ".join(str(m) for m in error.messages)


@login_required
def story_list(request: HttpRequest) -> HttpResponse:
    """The showcase: published stories as cards, with search and filters."""
    years = sorted(
        set(selectors.published().values_list("year", flat=True).order_by()), reverse=True
    )
    form = StoryFilterForm(request.GET or None, years=years)
    filters = selectors.StoryFilters()
    if form.is_valid():
        data = form.cleaned_data
        filters = selectors.StoryFilters(
            q=data["q"] or "",
            community=data["community"],
            year=data["year"],
            cycle=data["cycle"] or "",
            kind=data["kind"] or "",
            tag=data["tag"] or "",
        )
    stories = selectors.with_cards(
        selectors.search_stories(selectors.published(), filters).order_by("-published_on", "-id")
    )
    page = Paginator(stories, PAGE_SIZE).get_page(request.GET.get("page"))
    params = {k: str(v) for k, v in request.GET.items() if k != "page" and v}
    return render(
        request,
        "stories/list.html",
        {
            "form": form,
            "page": page,
            "querystring": urlencode(params) + "&" if params else "",
            "filtered": bool(params),
            "can_write": access.writable_communities(request.user).exists(),
            "nav": "stories",
        },
    )


@login_required
def story_review(request: HttpRequest) -> HttpResponse:
    """My stories (any state) and the stories waiting for a step I may take."""
    mine = Story.objects.filter(author_id=request.user.pk).exclude(status=Status.PUBLISHED)
    person = person_for_user(request.user)
    contributed = (
        Story.objects.filter(contributors=person).exclude(author_id=request.user.pk)
        if person is not None
        else Story.objects.none()
    )
    waiting = access.reviewable_stories(request.user)
    return render(
        request,
        "stories/review.html",
        {
            "mine": selectors.with_cards(mine.order_by("-updated_at")),
            "contributed": selectors.with_cards(
                contributed.exclude(status=Status.PUBLISHED).order_by("-updated_at")
            ),
            "waiting": selectors.with_cards(waiting.order_by("submitted_at", "id")),
            "can_write": access.writable_communities(request.user).exists(),
            "nav": "stories",
        },
    )


@login_required
def story_create(request: HttpRequest) -> HttpResponse:
    access.require_writer(request.user)
    communities = access.writable_communities(request.user).order_by("name")
    form = StoryForm(request.POST or None, communities=communities, initial=StoryForm.initial_new())
    if request.method == "POST" and form.is_valid():
        person = person_for_user(request.user)
        people = {p.pk: p for p in form.people}
        if person is not None:
            people.setdefault(person.pk, person)
        try:
            story = services.story_create(
                actor=request.user,
                communities=form.cleaned_data["communities"],
                contributors=people.values(),
                tags=form.tag_names(),
                **form.story_fields(),
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(
                request,
                _("Draft saved. Add quantified benefits and files, then submit it for review."),
            )
            return redirect(story)
    return render(request, "stories/form.html", {"form": form, "nav": "stories"})


def _add_errors(form: Any, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


@login_required
def story_edit(request: HttpRequest, pk: int) -> HttpResponse:
    story = access.story_for_user(request.user, pk)
    if not access.can_edit(request.user, story):
        raise PermissionDenied
    communities = (
        (access.writable_communities(request.user) | story.communities.all())
        .distinct()
        .order_by("name")
    )
    form = StoryForm(
        request.POST or None, communities=communities, initial=StoryForm.initial_for(story)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.story_update(
                actor=request.user,
                story=story,
                communities=form.cleaned_data["communities"],
                contributors=_keep_author(story, form.people),
                tags=form.tag_names(),
                **form.story_fields(),
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Story saved."))
            return redirect(story)
    return render(request, "stories/form.html", {"form": form, "story": story, "nav": "stories"})


def _keep_author(story: Story, people: list[Person]) -> list[Person]:
    """The author stays a contributor of their own story."""
    chosen = {p.pk: p for p in people}
    if story.author_id is not None:
        author = Person.objects.filter(user_id=story.author_id).first()
        if author is not None:
            chosen.setdefault(author.pk, author)
    return list(chosen.values())


@login_required
def story_detail(request: HttpRequest, pk: int) -> HttpResponse:
    story = access.story_for_user(request.user, pk)
    user = request.user
    can_comment = access.can_comment(user, story)
    show_review = can_comment or is_programme_office(user)
    context = {
        "story": story,
        "communities": list(story.communities.all()),
        "contributors": list(story.contributors.all()),
        "tags": list(story.tags.all()),
        "benefits": list(story.benefits.all()),
        "attachments": list(story.attachments.all()),
        "comments": list(story.comments.all()) if show_review else [],
        "show_review": show_review,
        "can_edit": access.can_edit(user, story),
        "can_submit": access.can_submit(user, story),
        "can_validate": access.can_validate(user, story),
        "can_approve": access.can_approve(user, story),
        "can_publish": access.can_publish(user, story),
        "can_refuse": access.can_refuse(user, story),
        "can_comment": can_comment,
        "can_validate_benefits": access.can_validate_benefits(user, story),
        "benefit_form": BenefitForm(),
        "attachment_form": AttachmentForm(),
        "refuse_form": RefuseForm(),
        "comment_form": CommentForm(),
        "nav": "stories",
    }
    return render(request, "stories/detail.html", context)


def _step(
    check: Callable[[Any, Story], bool],
    service: Callable[..., Story],
    done: Any,
) -> Callable[[HttpRequest, int], HttpResponse]:
    @login_required
    @require_POST
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        story = access.story_for_user(request.user, pk)
        if not check(request.user, story):
            raise PermissionDenied
        try:
            service(actor=request.user, story=story)
        except ValidationError as error:
            messages.error(request, _errors(error))
        else:
            messages.success(request, done)
        return redirect(story)

    return view


story_submit = _step(
    access.can_submit,
    services.story_submit,
    gettext_lazy("Story submitted: a leader of its community reviews it next."),
)
story_validate = _step(
    access.can_validate,
    services.story_validate,
    gettext_lazy("Story validated: the programme office or a sponsor approves it next."),
)
story_approve = _step(
    access.can_approve, services.story_approve, gettext_lazy("Story approved: publish it.")
)
story_publish = _step(
    access.can_publish, services.story_publish, gettext_lazy("Story published in the showcase.")
)


@login_required
@require_POST
def story_refuse(request: HttpRequest, pk: int) -> HttpResponse:
    story = access.story_for_user(request.user, pk)
    if not access.can_refuse(request.user, story):
        raise PermissionDenied
    form = RefuseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the story goes back to its author."))
        return redirect(story)
    services.story_refuse(actor=request.user, story=story, reason=form.cleaned_data["reason"])
    messages.success(request, _("The story went back to its author as a draft."))
    return redirect(story)


@login_required
@require_POST
def story_comment(request: HttpRequest, pk: int) -> HttpResponse:
    story = access.story_for_user(request.user, pk)
    if not access.can_comment(request.user, story):
        raise PermissionDenied
    form = CommentForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write a comment."))
        return redirect(story)
    services.story_comment(actor=request.user, story=story, text=form.cleaned_data["text"])
    messages.success(request, _("Comment added."))
    return redirect(story)


@login_required
def story_benefit_add(request: HttpRequest, pk: int) -> HttpResponse:
    story = access.story_for_user(request.user, pk)
    if not access.can_edit(request.user, story):
        raise PermissionDenied
    form = BenefitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.benefit_add(actor=request.user, story=story, **form.benefit_fields())
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Benefit added."))
            return redirect(story)
    return render(
        request, "stories/benefit_form.html", {"form": form, "story": story, "nav": "stories"}
    )


def _benefit(story: Story, benefit_pk: int) -> Benefit:
    benefit = story.benefits.filter(pk=benefit_pk).first()
    if benefit is None:
        raise Http404
    return benefit


@login_required
@require_POST
def story_benefit_delete(request: HttpRequest, pk: int, benefit_pk: int) -> HttpResponse:
    story = access.story_for_user(request.user, pk)
    if not access.can_edit(request.user, story):
        raise PermissionDenied
    services.benefit_delete(actor=request.user, benefit=_benefit(story, benefit_pk))
    messages.success(request, _("Benefit removed."))
    return redirect(story)


@login_required
@require_POST
def story_benefit_validate(request: HttpRequest, pk: int, benefit_pk: int) -> HttpResponse:
    story = access.story_for_user(request.user, pk)
    if not access.can_validate_benefits(request.user, story):
        raise PermissionDenied
    validated = request.POST.get("validated") == "1"
    try:
        services.benefit_validate(
            actor=request.user, benefit=_benefit(story, benefit_pk), validated=validated
        )
    except ValidationError as error:
        messages.error(request, _errors(error))
    else:
        messages.success(
            request, _("Benefit validated.") if validated else _("Benefit no longer validated.")
        )
    return redirect(story)


@login_required
@require_POST
def story_attachment_add(request: HttpRequest, pk: int) -> HttpResponse:
    story = access.story_for_user(request.user, pk)
    if not access.can_edit(request.user, story):
        raise PermissionDenied
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a file to attach."))
        return redirect(story)
    upload = form.cleaned_data["file"]
    # Read one byte more than allowed: enough to refuse, never the whole of a huge file.
    data = upload.read(max_bytes() + 1)
    try:
        services.attachment_add(actor=request.user, story=story, name=upload.name, data=data)
    except ValidationError as error:
        messages.error(request, _errors(error))
    else:
        messages.success(request, _("File attached."))
    return redirect(story)


def _attachment(story: Story, attachment_pk: int) -> Attachment:
    attachment = story.attachments.filter(pk=attachment_pk).first()
    if attachment is None:
        raise Http404
    return attachment


@login_required
@require_POST
def story_attachment_delete(request: HttpRequest, pk: int, attachment_pk: int) -> HttpResponse:
    story = access.story_for_user(request.user, pk)
    if not access.can_edit(request.user, story):
        raise PermissionDenied
    services.attachment_delete(actor=request.user, attachment=_attachment(story, attachment_pk))
    messages.success(request, _("File removed."))
    return redirect(story)


@login_required
def story_attachment(request: HttpRequest, pk: int, attachment_pk: int) -> FileResponse:
    story = access.story_for_user(request.user, pk)
    attachment = _attachment(story, attachment_pk)
    try:
        handle = attachment.file.open("rb")
    except OSError as error:
        raise Http404 from error
    response = FileResponse(
        handle, as_attachment=True, filename=attachment.name, content_type=attachment.content_type
    )
    response["Cache-Control"] = "private, no-store"
    return response


# --- Value-creation matrix -------------------------------------------------------------------


def _year(request: HttpRequest) -> int:
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        year = timezone.localdate().year
    return year if 2000 <= year <= 2100 else timezone.localdate().year


@login_required
def story_matrix(request: HttpRequest) -> HttpResponse:
    """The programme's value-creation matrix next to the level-1 indicators."""
    require_dashboard_reader(request.user)
    from trellis.kpis.selectors import compute_kpis

    year = _year(request)
    matrix = selectors.value_matrix(year)
    kpis = compute_kpis(year)
    return render(
        request,
        "stories/matrix.html",
        {
            "matrix": matrix,
            "year": year,
            "years": _years_around(year),
            "indicators": _indicators(kpis.programme),
            "community": None,
            "nav": "stories",
        },
    )


@login_required
def story_matrix_community(request: HttpRequest, slug: str) -> HttpResponse:
    community = community_for_user(request.user, slug)
    from trellis.kpis.selectors import compute_kpis

    year = _year(request)
    matrix = selectors.value_matrix(year, community=community)
    kpis = compute_kpis(year, community_ids=[community.pk])
    row = kpis.community(community.slug)
    context = community_header_context(request, community, "stories")
    context.update(
        {
            "matrix": matrix,
            "year": year,
            "years": _years_around(year),
            "indicators": _indicators(row) if row else [],
        }
    )
    return render(request, "stories/matrix.html", context)


LEVEL1 = (
    "members",
    "members_unique",
    "new_members",
    "messages",
    "active_contributors",
    "active_contributors_unique",
    "events",
    "attendance",
    "stories",
    "stories_quantified",
    "value_hours",
    "value_amount",
)


def _indicators(figures: dict[str, Any]) -> list[dict[str, Any]]:
    from trellis.kpis.labels import FIELD_LABELS

    return [
        {"name": name, "label": FIELD_LABELS.get(name, name), "value": figures[name]}
        for name in LEVEL1
        if name in figures and figures[name] is not None
    ]


def _years_around(year: int) -> list[int]:
    this = timezone.localdate().year
    return sorted({*range(this - 4, this + 1), year}, reverse=True)
