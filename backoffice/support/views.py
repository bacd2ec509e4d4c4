"""Help center and the distributor's tickets."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import (
    require_http_methods,
    require_POST,
    require_safe,
)
from django.views.decorators.vary import vary_on_headers

from backoffice.network.access import get_viewer
from backoffice.support import actions
from backoffice.support.access import (
    get_attachment_for_user,
    get_ticket_for_viewer,
)
from backoffice.support.actions import SupportError
from backoffice.support.forms import MessageForm, SearchForm, TicketForm
from backoffice.support.models import Article, HelpCategory, Ticket, support_storage
from backoffice.support.uploads import limit_attachment_size

# Downloads never run in the page's origin: no scripts, no plugins, no framing.
ATTACHMENT_CSP = "default-src 'none'; img-src 'self'; style-src 'none'; sandbox"


def _wants_partial(request: HttpRequest) -> bool:
    return bool(request.htmx) and not request.htmx.history_restore_request


def _entries(articles, language: str) -> list[dict]:
    return [
        {
            "slug": article.slug,
            "title": article.title_in(language),
            "body": article.body_in(language),
            "kind": article.kind,
            "category": article.category.name_in(language),
        }
        for article in articles
    ]


@login_required
@require_safe
def help_center(request: HttpRequest) -> HttpResponse:
    language = translation.get_language()
    form = SearchForm(request.GET)
    query = form.cleaned_data["q"].strip() if form.is_valid() else ""
    published = Article.objects.published().select_related("category")
    results = _entries(published.search(query, language), language) if query else None
    categories = []
    for category in HelpCategory.objects.published():
        entries = _entries(
            [article for article in published if article.category_id == category.pk],
            language,
        )
        if entries:
            categories.append(
                {
                    "name": category.name_in(language),
                    "slug": category.slug,
                    "articles": [e for e in entries if e["kind"] == "article"],
                    "faq": [e for e in entries if e["kind"] == "faq"],
                }
            )
    return render(
        request,
        "support/help_center.html",
        {
            "form": form,
            "query": query,
            "results": results,
            "categories": categories,
        },
    )


@login_required
@require_safe
def article(request: HttpRequest, slug: str) -> HttpResponse:
    language = translation.get_language()
    entry = get_object_or_404(
        Article.objects.published().select_related("category"), slug=slug
    )
    return render(
        request,
        "support/article.html",
        {"entry": _entries([entry], language)[0], "article": entry},
    )


@login_required
@require_safe
def ticket_list(request: HttpRequest) -> HttpResponse:
    viewer = get_viewer(request.user)
    tickets = Ticket.objects.for_distributor(viewer).newest_activity_first()
    return render(request, "support/tickets.html", {"tickets": tickets})


@login_required
@limit_attachment_size
@require_http_methods(["GET", "HEAD", "POST"])
def new_ticket(request: HttpRequest) -> HttpResponse:
    viewer = get_viewer(request.user)
    if request.method == "POST":
        form = TicketForm(
            request.POST, request.FILES, oversize=request.oversize_uploads
        )
    else:
        form = TicketForm()
    if request.method == "POST" and form.is_valid():
        try:
            ticket = actions.open_ticket(
                distributor=viewer,
                category=form.cleaned_data["category"],
                subject=form.cleaned_data["subject"],
                body=form.cleaned_data["body"],
                files=form.cleaned_data["attachments"],
            )
        except SupportError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("Ticket %(code)s is open. We reply here and let you know by email.")
                % {"code": ticket.code},
            )
            return redirect("support:ticket", ticket.code)
    return render(request, "support/new_ticket.html", {"form": form})


def _thread_context(ticket: Ticket, form: MessageForm | None = None) -> dict:
    thread = (
        ticket.messages.visible_to_owner()
        .in_order()
        .select_related("author")
        .prefetch_related("attachments")
    )
    return {
        "ticket": ticket,
        "thread": thread,
        "form": form or MessageForm(),
    }


@login_required
@require_safe
def ticket(request: HttpRequest, code: str) -> HttpResponse:
    viewer = get_viewer(request.user)
    found = get_ticket_for_viewer(viewer, code)
    return render(request, "support/ticket.html", _thread_context(found))


@login_required
@limit_attachment_size
@require_POST
@vary_on_headers("HX-Request")
def reply(request: HttpRequest, code: str) -> HttpResponse:
    viewer = get_viewer(request.user)
    found = get_ticket_for_viewer(viewer, code)
    form = MessageForm(request.POST, request.FILES, oversize=request.oversize_uploads)
    if form.is_valid():
        try:
            actions.add_owner_message(
                ticket=found,
                body=form.cleaned_data["body"],
                files=form.cleaned_data["attachments"],
            )
        except SupportError as error:
            form.add_error(None, str(error))
        else:
            if _wants_partial(request):
                return render(
                    request, "support/ticket.html#conversation", _thread_context(found)
                )
            messages.success(request, _("Your reply was sent."))
            return redirect("support:ticket", found.code)
    if _wants_partial(request):
        # htmx swaps only successful responses: the form with its errors is one.
        return render(
            request, "support/ticket.html#conversation", _thread_context(found, form)
        )
    return render(
        request, "support/ticket.html", _thread_context(found, form), status=400
    )


@login_required
@require_POST
def close(request: HttpRequest, code: str) -> HttpResponse:
    viewer = get_viewer(request.user)
    found = get_ticket_for_viewer(viewer, code)
    try:
        actions.close_ticket(ticket=found, by=request.user)
    except SupportError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Ticket closed. Glad we could help."))
    return redirect("support:ticket", found.code)


@login_required
@require_POST
def reopen(request: HttpRequest, code: str) -> HttpResponse:
    viewer = get_viewer(request.user)
    found = get_ticket_for_viewer(viewer, code)
    try:
        actions.reopen_ticket(ticket=found, by=request.user)
    except SupportError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Ticket reopened: write what is still missing."))
    return redirect("support:ticket", found.code)


@login_required
@require_safe
def attachment(request: HttpRequest, code: str, token: str) -> HttpResponse:
    found = get_attachment_for_user(request.user, code, token)
    response = FileResponse(
        # Opened through the storage named in settings, not the one the field
        # captured at import time (tests and deployments may point it elsewhere).
        support_storage().open(found.file.name, "rb"),
        as_attachment=True,
        filename=found.filename,
        content_type=found.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = ATTACHMENT_CSP
    response["Cache-Control"] = "private, no-store"
    return response
