"""The help centre's pages, under /support/help/: open to everyone (a client who cannot sign in
needs them most), shown in the staff frame to staff; and the staff list of articles with their
votes, under /staff/support/help/."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from iop.accounts.decorators import client_required, staff_required
from iop.accounts.selectors import own_client_profile
from iop.domain import DomainError
from iop.form_errors import error_message
from support import search, selectors, services
from support.models import ArticleCategory, Guide, HelpArticle


def frame_of(request: HttpRequest) -> str:
    """Staff read help in the staff frame (their menu), everyone else in the portal's."""
    user = request.user
    return "staff_base.html" if getattr(user, "is_staff_member", False) else "portal_base.html"


def _article(request: HttpRequest, slug: str) -> HelpArticle:
    try:
        return selectors.help_article_get_for(request.user, slug=slug)
    except HelpArticle.DoesNotExist:
        raise Http404("No such help article.") from None


@require_GET
def help_centre(request: HttpRequest) -> HttpResponse:
    """The categories and guides; with ?q=, the search results instead."""
    query = request.GET.get("q", "").strip()
    too_long = len(query) > search.MAX_QUERY_LENGTH
    results = selectors.help_search_for(request.user, query) if query and not too_long else []
    return render(
        request,
        "support/portal/help_centre.html",
        {
            "frame": frame_of(request),
            "query": query[: search.MAX_QUERY_LENGTH],
            "too_long": too_long,
            "max_length": search.MAX_QUERY_LENGTH,
            "results": results,
            "shelves": [] if query else selectors.help_shelves_for(request.user),
            "guides": [] if query else list(selectors.guides_visible_to(request.user)),
        },
    )


@require_GET
def article(request: HttpRequest, slug: str) -> HttpResponse:
    found = _article(request, slug)
    services.article_read_record(actor=request.user, article=found)
    return render(
        request,
        "support/portal/help_article.html",
        {
            "frame": frame_of(request),
            "article": found,
            "guides": selectors.guides_of_article(request.user, found),
            "voted": request.session.get(f"help_voted_{found.pk}"),
        },
    )


@require_POST
def vote(request: HttpRequest, slug: str) -> HttpResponse:
    """ "Did this help?": yes or no, from anyone who can read the article (once each)."""
    found = _article(request, slug)
    answer = request.POST.get("helpful", "")
    if answer not in ("yes", "no"):
        messages.error(request, "Choose yes or no.")
        return redirect("support:article", slug=found.slug)
    if request.session.session_key is None:
        request.session.save()
    try:
        services.help_vote_record(
            actor=request.user,
            article=found,
            helpful=answer == "yes",
            session_key=request.session.session_key,
        )
    except (ValidationError, DomainError) as error:
        messages.error(request, error_message(error))
        return redirect("support:article", slug=found.slug)
    request.session[f"help_voted_{found.pk}"] = answer
    messages.success(
        request,
        "Thank you. We are glad it helped."
        if answer == "yes"
        else "Thank you for telling us. If you are still stuck, we are here to help.",
    )
    return redirect("support:article", slug=found.slug)


@require_GET
def guide(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        page = selectors.guide_page_for(request.user, slug)
    except Guide.DoesNotExist:
        raise Http404("No such guide.") from None
    return render(
        request, "support/portal/help_guide.html", {"frame": frame_of(request), "page": page}
    )


@client_required
@require_GET
def trouble_help(request: HttpRequest) -> HttpResponse:
    """The session page's help for failed tech-check items, refreshed after each check."""
    client = own_client_profile(request)
    failed, articles = selectors.help_for_tech_check(request.user, client)
    return render(
        request, "support/portal/_trouble_help.html", {"failed": failed, "articles": articles}
    )


@staff_required
@require_GET
def staff_articles(request: HttpRequest) -> HttpResponse:
    """Every article staff can read, with its "Did this help?" counts, by category."""
    category = request.GET.get("category", "")
    if category not in ArticleCategory.values:
        category = ""
    return render(
        request,
        "support/staff/help_articles.html",
        {
            "articles": selectors.help_article_list_for(request.user, category=category or None),
            "categories": ArticleCategory.choices,
            "category": category,
        },
    )
