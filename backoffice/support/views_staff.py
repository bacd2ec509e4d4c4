"""The support inbox for staff: filters, assignment, replies, notes, status.

Every page needs a staff account holding support.change_ticket. Staff sign in
with a second factor (AccountMiddleware sends staff without one to set it up
before anything else), so a staff session here has always passed it.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe
from django.views.decorators.vary import vary_on_headers

from backoffice.accounts.access import staff_permission_required
from backoffice.support import actions
from backoffice.support.access import SUPPORT_PERMISSION, get_ticket_for_staff
from backoffice.support.actions import SupportError
from backoffice.support.forms import (
    AssignForm,
    CannedReplyChoice,
    InboxFilterForm,
    MessageForm,
    NoteForm,
    StatusForm,
)
from backoffice.support.models import CannedReply, Ticket
from backoffice.support.uploads import limit_attachment_size

PAGE_SIZE = 50


def _wants_partial(request: HttpRequest) -> bool:
    return bool(request.htmx) and not request.htmx.history_restore_request


@staff_permission_required(SUPPORT_PERMISSION)
@require_safe
@vary_on_headers("HX-Request")
def inbox(request: HttpRequest) -> HttpResponse:
    form = InboxFilterForm(request.GET)
    tickets = form.filter(Ticket.objects.all(), request.user)
    page = Paginator(
        tickets.select_related("distributor__user", "assigned_to").order_by(
            "-last_activity_at", "-pk"
        ),
        PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "figures": tickets.response_figures(),
        "unassigned_count": Ticket.objects.not_closed().unassigned().count(),
        "mine_count": Ticket.objects.not_closed().assigned_to(request.user).count(),
    }
    if _wants_partial(request):
        return render(request, "support/staff/inbox.html#results", context)
    return render(request, "support/staff/inbox.html", context)


def _ticket_page(
    request: HttpRequest,
    ticket: Ticket,
    *,
    reply_form: MessageForm | None = None,
    note_form: NoteForm | None = None,
    status: int = 200,
) -> HttpResponse:
    language = ticket.distributor.user.language
    if reply_form is None:
        initial = {}
        picked = CannedReplyChoice(request.GET)
        if picked.is_valid() and picked.cleaned_data["canned"]:
            initial["body"] = picked.cleaned_data["canned"].body_in(language)
        reply_form = MessageForm(initial=initial)
    thread = (
        ticket.messages.in_order()
        .select_related("author")
        .prefetch_related("attachments")
    )
    context = {
        "ticket": ticket,
        "thread": thread,
        "reply_form": reply_form,
        "note_form": note_form or NoteForm(),
        "assign_form": AssignForm(initial={"assignee": ticket.assigned_to_id}),
        "status_form": StatusForm(initial={"status": ticket.status}),
        "canned_form": CannedReplyChoice(request.GET or None),
        "canned_replies": [
            {"pk": canned.pk, "title": canned.title, "text": canned.body_in(language)}
            for canned in CannedReply.objects.filter(is_active=True)
        ],
        "events": ticket.events.select_related("actor"),
        "other_tickets": Ticket.objects.for_distributor(ticket.distributor)
        .exclude(pk=ticket.pk)
        .newest_activity_first()[:10],
    }
    return render(request, "support/staff/ticket.html", context, status=status)


@staff_permission_required(SUPPORT_PERMISSION)
@require_safe
def ticket(request: HttpRequest, code: str) -> HttpResponse:
    return _ticket_page(request, get_ticket_for_staff(request.user, code))


@staff_permission_required(SUPPORT_PERMISSION)
@limit_attachment_size
@require_POST
def reply(request: HttpRequest, code: str) -> HttpResponse:
    found = get_ticket_for_staff(request.user, code)
    form = MessageForm(request.POST, request.FILES, oversize=request.oversize_uploads)
    if form.is_valid():
        try:
            actions.reply_to_ticket(
                ticket=found,
                author=request.user,
                body=form.cleaned_data["body"],
                files=form.cleaned_data["attachments"],
            )
        except SupportError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Reply sent to the distributor."))
            return redirect("helpdesk:ticket", found.code)
    return _ticket_page(request, found, reply_form=form, status=400)


@staff_permission_required(SUPPORT_PERMISSION)
@require_POST
def note(request: HttpRequest, code: str) -> HttpResponse:
    found = get_ticket_for_staff(request.user, code)
    form = NoteForm(request.POST)
    if not form.is_valid():
        return _ticket_page(request, found, note_form=form, status=400)
    actions.add_internal_note(
        ticket=found, author=request.user, body=form.cleaned_data["note"]
    )
    messages.success(request, _("Internal note added."))
    return redirect("helpdesk:ticket", found.code)


@staff_permission_required(SUPPORT_PERMISSION)
@require_POST
def assign(request: HttpRequest, code: str) -> HttpResponse:
    found = get_ticket_for_staff(request.user, code)
    form = AssignForm(request.POST)
    if form.is_valid():
        assignee = form.cleaned_data["assignee"]
        actions.assign_ticket(ticket=found, assignee=assignee, by=request.user)
        if assignee is None:
            messages.success(request, _("The ticket is unassigned."))
        else:
            messages.success(
                request,
                _("Assigned to %(name)s.")
                % {"name": assignee.get_full_name() or assignee.username},
            )
    else:
        messages.error(request, _("Pick someone from the support team."))
    return redirect("helpdesk:ticket", found.code)


@staff_permission_required(SUPPORT_PERMISSION)
@require_POST
def status(request: HttpRequest, code: str) -> HttpResponse:
    found = get_ticket_for_staff(request.user, code)
    form = StatusForm(request.POST)
    if form.is_valid():
        try:
            actions.change_status(
                ticket=found, status=form.cleaned_data["status"], by=request.user
            )
        except SupportError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Status changed."))
    else:
        messages.error(request, _("Pick a status."))
    return redirect("helpdesk:ticket", found.code)
