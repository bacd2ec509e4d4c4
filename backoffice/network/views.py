from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial
from itertools import batched
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_safe
from django.views.decorators.vary import vary_on_headers

from backoffice.network import actions, queries, tree
from backoffice.network.access import get_member_for_viewer, get_viewer
from backoffice.network.actions import NetworkError
from backoffice.network.forms import (
    EnrollForm,
    PlaceForm,
    TeamFilterForm,
    TeamMessageForm,
)
from backoffice.network.models import Distributor, Side

PAGE_SIZE = 25
EXPORT_CHUNK = 2000
ENROLLEES_PAGE_SIZE = 50
TREE_LEVELS = 3  # generations below the top shown (and loaded per expand)


def _wants_partial(request: HttpRequest) -> bool:
    # A history restore asks for the whole page even though it comes from htmx.
    return bool(request.htmx) and not request.htmx.history_restore_request


def _add_network_error(
    form: forms.Form, error: NetworkError, fields: tuple[str, ...]
) -> None:
    form.add_error(error.field if error.field in fields else None, error.message)


# --- the list and its export ------------------------------------------------------


class CappedPaginator(Paginator):
    """Counts at most CAP rows: a 1,000,000-member team pages without a full count.

    Past the cap the page says "10,000+" and filters narrow the list.
    """

    CAP = 10_000

    def __init__(self, object_list, per_page, *, count_rows=None, **kwargs) -> None:
        super().__init__(object_list, per_page, **kwargs)
        # count_rows(cap) counts the same rows a faster way, up to cap + 1.
        self.count_rows = count_rows

    @cached_property
    def count(self) -> int:
        if self.count_rows is not None:
            return self.count_rows(self.CAP)
        # Only the primary keys: the list's annotations would be computed too.
        return self.object_list.order_by().values("pk")[: self.CAP + 1].count()

    @property
    def is_capped(self) -> bool:
        return self.count > self.CAP


def _filter_form(request: HttpRequest, cycles: queries.TeamCycles) -> TeamFilterForm:
    return TeamFilterForm(request.GET, ranks=cycles.rank_names)


@login_required
@require_safe
@vary_on_headers("HX-Request")
def team_list(request: HttpRequest) -> HttpResponse:
    viewer = get_viewer(request.user)
    cycles = queries.team_cycles()
    form = _filter_form(request, cycles)
    criteria = form.criteria()
    members = queries.team_list(viewer, criteria, cycles)
    count_rows = partial(queries.team_list_count, viewer, criteria, members)
    page = CappedPaginator(members, PAGE_SIZE, count_rows=count_rows).get_page(
        request.GET.get("page")
    )
    page.object_list = queries.with_figures(page.object_list, cycles)
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    if _wants_partial(request):
        return render(request, "network/list.html#results", context)
    context["feed"] = queries.team_feed(viewer, cycles)
    context["show_rank"] = "rank" in form.fields
    return render(request, "network/list.html", context)


class _Echo:
    """A file-like object whose write returns the line, for streaming csv rows."""

    def write(self, value: str) -> str:
        return value


def _csv_safe(value: str) -> str:
    # A cell starting like a formula runs as one in spreadsheets (CSV injection).
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


@login_required
@require_safe
def export(request: HttpRequest) -> StreamingHttpResponse:
    viewer = get_viewer(request.user)
    cycles = queries.team_cycles()
    criteria = _filter_form(request, cycles).criteria()
    members = queries.team_list(viewer, criteria, cycles)
    # Labels are translated now: the rows are written after the view returns.
    header = [
        _("Distributor ID"),
        _("Name"),
        _("Level"),
        _("Leg"),
        _("Enroller ID"),
        _("Join date"),
        _("Status"),
        _("Paid-as rank"),
        _("PV in 30 days"),
        _("Email"),
        _("Phone"),
    ]
    legs = {Side.LEFT: _("Left"), Side.RIGHT: _("Right"), "": _("Holding tank")}
    statuses = {True: _("Active"), False: _("Inactive")}
    writer = csv.writer(_Echo())

    def rows() -> Iterator[str]:
        yield writer.writerow(header)
        # The figures come a chunk at a time: one indexed query per chunk.
        chunks = batched(
            members.iterator(chunk_size=EXPORT_CHUNK), EXPORT_CHUNK, strict=False
        )
        for chunk in chunks:
            for member in queries.with_figures(chunk, cycles):
                figures = member.figures
                yield writer.writerow(
                    [
                        member.distributor_id,
                        _csv_safe(member.name),
                        "" if member.level is None else member.level,
                        legs[member.leg],
                        member.enroller.distributor_id if member.enroller else "",
                        member.join_date.isoformat(),
                        statuses[bool(member.is_active)],
                        _csv_safe(figures.rank or ""),
                        "" if figures.pv30 is None else f"{figures.pv30:.2f}",
                        # Contact details only as the member shares them with upline.
                        _csv_safe(member.user.email)
                        if member.share_email_upline
                        else "",
                        _csv_safe(member.phone) if member.share_phone_upline else "",
                    ]
                )

    filename = f"team-{viewer.distributor_id}-{timezone.localdate():%Y-%m-%d}.csv"
    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- the binary tree ----------------------------------------------------------


@dataclass
class TreeNode:
    member: Distributor
    is_active: bool
    slots: list[TreeSlot] = field(default_factory=list)
    has_more: bool = False  # children below the levels loaded
    figures: queries.MemberFigures = queries.NO_FIGURES


@dataclass
class TreeSlot:
    side: str
    parent: Distributor
    node: TreeNode | None = None  # None: an open position


def _build_tree(top: Distributor, levels: int) -> TreeNode:
    """``top`` and ``levels`` generations below it: one indexed query per level.

    Then one more query for every node's rank and volumes.
    """
    active_on = queries.active_q()
    root = TreeNode(
        member=top,
        is_active=Distributor.objects.filter(active_on, pk=top.pk).exists(),
    )
    nodes = [root]
    frontier = [root]
    for _level in range(levels):
        children: dict[int, dict[str, Distributor]] = defaultdict(dict)
        rows = (
            Distributor.objects.filter(parent__in=[n.member.pk for n in frontier])
            .placed()
            .select_related("user")
            .annotate(active=queries.boolean(active_on))
        )
        for child in rows:
            children[child.parent_id][child.side] = child
        below = []
        for node in frontier:
            for side in (Side.LEFT, Side.RIGHT):
                child = children[node.member.pk].get(side)
                slot = TreeSlot(side=side, parent=node.member)
                if child is not None:
                    slot.node = TreeNode(member=child, is_active=child.active)
                    below.append(slot.node)
                node.slots.append(slot)
        nodes += below
        frontier = below
    with_children = set(
        Distributor.objects.filter(
            parent__in=[n.member.pk for n in frontier]
        ).values_list("parent_id", flat=True)
    )
    for node in frontier:
        if node.member.pk in with_children:
            node.has_more = True
        else:
            node.slots = [
                TreeSlot(side=side, parent=node.member)
                for side in (Side.LEFT, Side.RIGHT)
            ]
    figures = queries.member_figures(
        queries.team_cycles(), (node.member.pk for node in nodes)
    )
    for node in nodes:
        node.figures = figures.get(node.member.pk, queries.NO_FIGURES)
    return root


@login_required
@require_safe
@vary_on_headers("HX-Request")
def tree_view(request: HttpRequest) -> HttpResponse:
    viewer = get_viewer(request.user)
    top = viewer
    if request.GET.get("top"):
        top = get_member_for_viewer(viewer, request.GET["top"], allow_self=True)
    find = request.GET.get("find", "").strip()[:100]
    matches = []
    if find:
        matches = queries.find_in_downline(viewer, find)
        if len(matches) == 1:
            query = urlencode({"top": matches[0].distributor_id})
            return redirect(f"{reverse('team:tree')}?{query}")
    if not top.is_placed:
        # Someone waiting in the holding tank has no tree yet (a held viewer).
        return render(request, "network/tree.html", {"top": top, "unplaced": True})
    context = {
        "top": top,
        "viewer_pk": viewer.pk,
        "tree": _build_tree(top, TREE_LEVELS),
    }
    if _wants_partial(request):
        return render(request, "network/tree.html#children", context)
    bottoms = {side: tree.outer_bottom(top, side) for side in (Side.LEFT, Side.RIGHT)}
    context.update(
        {
            "find": find,
            "matches": matches,
            "up": top.parent if top.pk != viewer.pk else None,
            "outer_left": bottoms[Side.LEFT] if bottoms[Side.LEFT] != top else None,
            "outer_right": bottoms[Side.RIGHT] if bottoms[Side.RIGHT] != top else None,
        }
    )
    return render(request, "network/tree.html", context)


# --- the enrollment tree ------------------------------------------------------


@login_required
@require_safe
@vary_on_headers("HX-Request")
def enrolled(request: HttpRequest) -> HttpResponse:
    viewer = get_viewer(request.user)
    sponsor = viewer
    if request.GET.get("of"):
        sponsor = get_member_for_viewer(viewer, request.GET["of"], allow_self=True)
    members = queries.enrollees_in_team(viewer, sponsor)
    page = Paginator(members, ENROLLEES_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"viewer": viewer, "sponsor": sponsor, "page": page}
    return render(
        request,
        "network/enrolled.html#generation"
        if _wants_partial(request)
        else "network/enrolled.html",
        context,
    )


# --- one member ---------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def member_detail(request: HttpRequest, distributor_id: int) -> HttpResponse:
    viewer = get_viewer(request.user)
    member = get_member_for_viewer(viewer, distributor_id)
    # Only the enroller places a member waiting in the holding tank; everyone
    # held in the viewer's team is the viewer's own enrollee (see team_q).
    can_place = not member.is_placed and member.enroller_id == viewer.pk
    form = PlaceForm(request.POST or None) if can_place else None
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            actions.place_member(
                member=member,
                parent_id=form.cleaned_data["parent"],
                side=form.cleaned_data["side"],
                actor=request.user,
            )
        except NetworkError as error:
            _add_network_error(form, error, ("parent", "side"))
        else:
            messages.success(
                request,
                _("%(name)s is now placed on your team.") % {"name": member.name},
            )
            return redirect("team:member", distributor_id=member.distributor_id)
    elif request.method == "POST" and form is None:
        return redirect("team:member", distributor_id=member.distributor_id)
    level, leg = queries.position_of(viewer, member)
    cycles = queries.team_cycles()
    history = queries.volume_history(member)
    context = {
        "member": member,
        "level": level,
        "leg": leg,
        "is_terminated": member.is_terminated(),
        "form": form,
        "figures": queries.member_figures(cycles, [member.pk]).get(
            member.pk, queries.NO_FIGURES
        ),
        "history": history,
        "best_rank": history[0].best_rank if history else "",
    }
    return render(request, "network/member.html", context)


# --- enrollment ---------------------------------------------------------------


def _enroll_initial(request: HttpRequest) -> dict:
    initial: dict = {"language": translation.get_language() or "en"}
    parent = queries.parse_distributor_id(request.GET.get("parent", ""))
    side = request.GET.get("side", "")
    if parent is not None:
        initial.update({"placement": EnrollForm.POSITION, "parent": parent})
        if side in (Side.LEFT, Side.RIGHT):
            initial["side"] = side
    if initial["language"] not in ("en", "es"):
        initial["language"] = "en"
    return initial


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def enroll(request: HttpRequest) -> HttpResponse:
    viewer = get_viewer(request.user)
    form = EnrollForm(
        request.POST or None,
        initial=_enroll_initial(request),
        can_place=viewer.is_placed,
    )
    if request.method == "POST" and form.is_valid():
        placement = form.placement_choice()
        try:
            member = actions.enroll_distributor(
                enroller=viewer,
                details=form.new_member(),
                placement=placement,
                actor=request.user,
                language=form.cleaned_data["language"],
            )
        except NetworkError as error:
            fields = ("email", "date_of_birth")
            if placement.kind == "position":
                fields += ("parent", "side")
            _add_network_error(form, error, fields)
        else:
            messages.success(
                request,
                _(
                    "%(name)s is enrolled with distributor ID %(id)s. We emailed "
                    "them a link to set their password."
                )
                % {"name": member.name, "id": member.distributor_id},
            )
            return redirect("team:member", distributor_id=member.distributor_id)
    return render(request, "network/enroll.html", {"form": form, "viewer": viewer})


# --- a message to the team ----------------------------------------------------
#
# The team list's "Message these members" link carries its filters here: the
# page lists the active members they match (up to the per-message limit), all
# checked; the sender may untick some. The POST names the checked IDs, and the
# action checks every one of them against the sender's team again.


def _posted_recipients(viewer: Distributor, request: HttpRequest) -> list[Distributor]:
    """The posted ``to`` members that are on the viewer's team, in posted order."""
    numbers = [queries.parse_distributor_id(v) for v in request.POST.getlist("to")]
    wanted = [n for n in dict.fromkeys(numbers) if n is not None]
    wanted = wanted[: actions.TEAM_MESSAGE_MAX_RECIPIENTS]
    position = {number: index for index, number in enumerate(wanted)}
    members = (
        queries.team_members(viewer, wanted).not_terminated().select_related("user")
    )
    return sorted(members, key=lambda member: position[member.distributor_id])


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def team_message(request: HttpRequest) -> HttpResponse:
    viewer = get_viewer(request.user)
    limit = actions.TEAM_MESSAGE_MAX_RECIPIENTS
    query = ""
    if request.method == "POST":
        form = TeamMessageForm(request.POST)
        if form.is_valid():
            try:
                message = actions.send_team_message(
                    sender=viewer,
                    recipient_ids=form.cleaned_data["to"],
                    subject=form.cleaned_data["subject"],
                    body=form.cleaned_data["body"],
                )
            except NetworkError as error:
                _add_network_error(form, error, ("to", "subject", "body"))
            else:
                messages.success(
                    request,
                    ngettext(
                        "Your message was sent to %(count)s member.",
                        "Your message was sent to %(count)s members.",
                        message.recipient_count,
                    )
                    % {"count": message.recipient_count},
                )
                return redirect("team:list")
        recipients = _posted_recipients(viewer, request)
        too_many = False
    else:
        form = TeamMessageForm()
        cycles = queries.team_cycles()
        criteria = _filter_form(request, cycles).criteria()
        found = list(
            queries.team_list(viewer, criteria, cycles).not_terminated()[: limit + 1]
        )
        too_many = len(found) > limit
        recipients = [] if too_many else found
        filters = request.GET.copy()
        filters.pop("page", None)
        query = filters.urlencode()
    context = {
        "form": form,
        "recipients": recipients,
        "too_many": too_many,
        "max_recipients": limit,
        "query": query,
        "messages_per_day": settings.TEAM_MESSAGES_PER_DAY,
        "recipients_per_day": settings.TEAM_RECIPIENTS_PER_DAY,
        "shares_email": viewer.share_email_downline,
    }
    return render(request, "network/message.html", context)
