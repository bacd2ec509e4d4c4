from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from backoffice.lib.admin import ReadOnlyAdmin
from backoffice.network import actions
from backoffice.network.admin_forms import MoveForm, StaffEnrollForm, TerminateForm
from backoffice.network.models import Distributor, NetworkEvent, TeamMessage


@admin.register(Distributor)
class DistributorAdmin(admin.ModelAdmin):
    list_display = (
        "distributor_id",
        "member_name",
        "enroller_id_display",
        "parent_id_display",
        "side",
        "join_date",
        "terminated_on",
    )
    list_filter = ("side", "terminated_on", "join_date")
    change_list_template = "admin/network/distributor_change_list.html"
    search_fields = (
        "=distributor_id",
        "user__first_name",
        "user__last_name",
        "user__email",
    )
    list_select_related = ("user", "enroller", "parent")
    ordering = ("distributor_id",)
    readonly_fields = [
        f.name for f in Distributor._meta.fields if f.name not in ("lo", "hi")
    ] + ["tools"]
    exclude = ("lo", "hi")
    show_full_result_count = False

    @admin.display(description=_("name"))
    def member_name(self, obj: Distributor) -> str:
        return obj.user.get_full_name()

    @admin.display(description=_("enroller"))
    def enroller_id_display(self, obj: Distributor):
        return obj.enroller.distributor_id if obj.enroller else "—"

    @admin.display(description=_("placement parent"))
    def parent_id_display(self, obj: Distributor):
        return obj.parent.distributor_id if obj.parent else "—"

    @admin.display(description=_("Staff tools"))
    def tools(self, obj: Distributor):
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a>',
            reverse("admin:network_distributor_move", args=[obj.pk]),
            _("Correct placement"),
            reverse("admin:network_distributor_terminate", args=[obj.pk]),
            _("Terminate"),
        )

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        # Fields are read-only; changes go through the audited tools below.
        return request.user.has_perm("network.view_distributor")

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_urls(self):
        own = [
            path(
                "enroll/",
                self.admin_site.admin_view(self.enroll_view),
                name="network_distributor_enroll",
            ),
            path(
                "<int:pk>/move/",
                self.admin_site.admin_view(self.move_view),
                name="network_distributor_move",
            ),
            path(
                "<int:pk>/terminate/",
                self.admin_site.admin_view(self.terminate_view),
                name="network_distributor_terminate",
            ),
        ]
        return own + super().get_urls()

    def _tool(self, request, pk, *, form_class, title, run):
        if not request.user.has_perm("network.change_distributor"):
            raise PermissionDenied
        member = get_object_or_404(Distributor.objects.select_related("user"), pk=pk)
        form = form_class(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                run(member, form.cleaned_data)
            except actions.NetworkError as error:
                form.add_error(None, error.message)
            else:
                self.message_user(request, _("Done."), messages.SUCCESS)
                return redirect("admin:network_distributor_change", member.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "member": member,
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/network/tool.html", context)

    def enroll_view(self, request):
        if not request.user.has_perm("network.add_distributor"):
            raise PermissionDenied
        form = StaffEnrollForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                member = actions.enroll_distributor(
                    enroller=form.cleaned_data["enroller_id"],
                    details=form.new_member(),
                    placement=form.placement_choice(),
                    actor=request.user,
                    language=form.cleaned_data["language"],
                )
            except actions.NetworkError as error:
                form.add_error(
                    error.field if error.field in form.fields else None, error.message
                )
            else:
                self.message_user(
                    request,
                    _("Enrolled %(id)s; an email to set the password was sent.")
                    % {"id": member.distributor_id},
                    messages.SUCCESS,
                )
                return redirect("admin:network_distributor_change", member.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Enroll a distributor"),
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/network/tool.html", context)

    def move_view(self, request, pk):
        return self._tool(
            request,
            pk,
            form_class=MoveForm,
            title=_("Correct placement"),
            run=lambda member, data: actions.move_member(
                member=member,
                parent_id=data["parent_id"],
                side=data["side"],
                actor=request.user,
                reason=data["reason"],
            ),
        )

    def terminate_view(self, request, pk):
        return self._tool(
            request,
            pk,
            form_class=TerminateForm,
            title=_("Terminate distributor"),
            run=lambda member, data: actions.terminate_distributor(
                member=member,
                effective=data["effective"],
                actor=request.user,
                reason=data["reason"],
            ),
        )


@admin.register(NetworkEvent)
class NetworkEventAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "kind", "member", "actor")
    list_filter = ("kind",)
    search_fields = ("=member__distributor_id",)
    list_select_related = ("member__user", "actor")
    readonly_fields = [f.name for f in NetworkEvent._meta.fields]


@admin.register(TeamMessage)
class TeamMessageAdmin(ReadOnlyAdmin):
    """What distributors sent their teams (support looks here after a complaint)."""

    list_display = ("created_at", "sender", "subject", "recipient_count")
    search_fields = ("=sender__distributor_id", "subject")
    list_select_related = ("sender__user",)
    readonly_fields = [f.name for f in TeamMessage._meta.fields]
