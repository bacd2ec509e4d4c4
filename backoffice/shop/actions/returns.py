"""Returns: a distributor asks online, staff authorise (RMA), receive and refund.

Each action owns its transaction and locks the rows it changes; emails go out
on commit. A refund gives back a share of what the returned goods cost (never
shipping or tax) and takes back exactly their PV and CV on the refund's date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from backoffice.lib.cycles import company_date
from backoffice.lib.emails import queue_email
from backoffice.lib.money import ZERO
from backoffice.shop.actions import (
    ShopError,
    execute_refund,
    issue_refund,
    move_stock,
)
from backoffice.shop.models import (
    InventoryItem,
    InventoryMovement,
    InventoryMovementKind,
    Order,
    OrderKind,
    OrderLine,
    OrderStatus,
    Product,
    RefundStatus,
    ReturnKind,
    ReturnLine,
    ReturnRequest,
    ReturnStatus,
    StockMovement,
)
from backoffice.shop.models.returns import new_rma_number
from backoffice.shop.pricing import return_refund_estimate

# Requests that hold their quantities: a rejected or cancelled one frees them.
HOLDING_STATUSES = (
    ReturnStatus.REQUESTED,
    ReturnStatus.APPROVED,
    ReturnStatus.RECEIVED,
    ReturnStatus.REFUNDED,
)
RMA_ATTEMPTS = 5


# --- reads used by the pages ---------------------------------------------------


def return_deadline(order: Order) -> date | None:
    """The last company-zone day a return may be requested (None: never paid)."""
    if order.paid_on is None:
        return None
    return order.paid_on + timedelta(days=settings.RETURN_WINDOW_DAYS)


def returnable_quantities(order: Order) -> dict[int, int]:
    """Order line id -> units not yet returned or asked back in a live request."""
    held = dict(
        ReturnLine.objects.filter(
            order_line__order=order, return_request__status__in=HOLDING_STATUSES
        )
        .values("order_line_id")
        .annotate(total=Sum("quantity"))
        .values_list("order_line_id", "total")
    )
    return {
        line_id: quantity - held.get(line_id, 0)
        for line_id, quantity in order.lines.values_list("id", "quantity")
    }


def return_refusal(order: Order, *, today: date | None = None) -> str:
    """Why ``order`` cannot be returned now, or "" when it can."""
    if order.kind != OrderKind.DISTRIBUTOR:
        return _("A retail customer's return is arranged with customer support.")
    if order.status != OrderStatus.DELIVERED:
        return _("Only delivered orders can be returned.")
    deadline = return_deadline(order)
    today = today or company_date(timezone.now())
    if deadline is None or today > deadline:
        return _("Returns are accepted within %(days)d days of payment.") % {
            "days": settings.RETURN_WINDOW_DAYS
        }
    return ""


@dataclass(frozen=True)
class ReturnFigures:
    net_cost: Decimal
    refund: Decimal
    pv: Decimal
    cv: Decimal


def estimate_return(lines: list[tuple[OrderLine, int]], *, kind: str) -> ReturnFigures:
    """What returning ``quantity`` of each order line gives back (no database)."""
    net_cost = sum((line.unit_price * quantity for line, quantity in lines), ZERO)
    refund = return_refund_estimate(
        net_cost,
        refund_percent=settings.RETURN_REFUND_PERCENT,
        restocking_percent=settings.EXCHANGE_RESTOCKING_PERCENT,
        exchange=kind == ReturnKind.EXCHANGE,
    )
    return ReturnFigures(
        net_cost=net_cost,
        refund=refund,
        pv=sum((line.unit_pv * quantity for line, quantity in lines), ZERO),
        cv=sum((line.unit_cv * quantity for line, quantity in lines), ZERO),
    )


def _figures_of(return_request: ReturnRequest) -> ReturnFigures:
    lines = [
        (line.order_line, line.quantity)
        for line in return_request.lines.select_related("order_line")
    ]
    return estimate_return(lines, kind=return_request.kind)


# --- the distributor's side ----------------------------------------------------


def request_return(
    *,
    order: Order,
    lines: dict[int, int],
    kind: str,
    reason: str,
    by,
) -> ReturnRequest:
    """Ask to send back ``lines`` ({order line id: quantity}) of a delivered order.

    Shipping and tax are not refunded: the estimate is a share of the goods' cost.
    """
    reason = reason.strip()
    if kind not in ReturnKind.values:
        raise ShopError(_("Choose a refund or an exchange."), field="kind")
    if not reason:
        raise ShopError(_("Tell us why you are returning these."), field="reason")
    wanted = {int(line_id): quantity for line_id, quantity in lines.items()}
    if any(quantity < 0 for quantity in wanted.values()):
        raise ShopError(_("Quantities cannot be negative."))
    wanted = {line_id: q for line_id, q in wanted.items() if q > 0}
    if not wanted:
        raise ShopError(_("Choose at least one product to return."))
    now = timezone.now()
    with transaction.atomic():
        # The order row serialises requests for it: two at once cannot both
        # claim the same units.
        order = Order.objects.select_for_update().get(pk=order.pk)
        refusal = return_refusal(order, today=company_date(now))
        if refusal:
            raise ShopError(refusal)
        order_lines = order.lines.in_bulk(list(wanted))
        if len(order_lines) != len(wanted):
            raise ShopError(_("That product is not part of this order."))
        remaining = returnable_quantities(order)
        for line_id, quantity in sorted(wanted.items()):
            if quantity > remaining[line_id]:
                raise ShopError(
                    _("You can return at most %(count)d of %(name)s.")
                    % {"count": remaining[line_id], "name": order_lines[line_id].name}
                )
        chosen = [(order_lines[line_id], wanted[line_id]) for line_id in sorted(wanted)]
        figures = estimate_return(chosen, kind=kind)
        return_request = ReturnRequest.objects.create(
            order=order,
            kind=kind,
            reason=reason[:2000],
            refund_estimate=figures.refund,
            requested_by=by,
            requested_at=now,
        )
        ReturnLine.objects.bulk_create(
            ReturnLine(return_request=return_request, order_line=line, quantity=qty)
            for line, qty in chosen
        )
        _email(return_request, "requested")
    return return_request


def cancel_return(*, return_request: ReturnRequest, by) -> ReturnRequest:
    """The distributor withdraws a request that staff have not answered yet."""
    with transaction.atomic():
        return_request = _locked(return_request)
        if return_request.status != ReturnStatus.REQUESTED:
            raise ShopError(
                _("Only a request still waiting for an answer can be withdrawn.")
            )
        _transition(return_request, ReturnStatus.CANCELLED)
        return_request.save(update_fields=["status"])
    return return_request


# --- staff --------------------------------------------------------------------


def approve_return(*, return_request: ReturnRequest, by) -> ReturnRequest:
    """Authorise the return: an RMA number and where to send the goods."""
    with transaction.atomic():
        return_request = _locked(return_request)
        _transition(return_request, ReturnStatus.APPROVED)
        return_request.handled_by = by
        return_request.approved_at = timezone.now()
        return_request.save(update_fields=["status", "handled_by", "approved_at"])
        for attempt in range(RMA_ATTEMPTS):
            number = new_rma_number()
            try:
                with transaction.atomic():
                    ReturnRequest.objects.filter(pk=return_request.pk).update(
                        rma_number=number
                    )
            except IntegrityError:
                # Another return drew the same number (1 in 10^8): draw again.
                if attempt == RMA_ATTEMPTS - 1:
                    raise
                continue
            return_request.rma_number = number
            break
        _email(return_request, "approved")
    return return_request


def reject_return(*, return_request: ReturnRequest, by, note: str) -> ReturnRequest:
    """Refuse the request; the note tells the distributor why."""
    note = note.strip()
    if not note:
        raise ShopError(_("Say why the return is refused."), field="note")
    with transaction.atomic():
        return_request = _locked(return_request)
        _transition(return_request, ReturnStatus.REJECTED)
        return_request.handled_by = by
        return_request.staff_note = note
        return_request.save(update_fields=["status", "handled_by", "staff_note"])
        _email(return_request, "rejected")
    return return_request


def receive_return(
    *, return_request: ReturnRequest, by, resalable: dict[int, bool]
) -> ReturnRequest:
    """The goods arrived: resalable ones (by return line id) go back into stock."""
    with transaction.atomic():
        return_request = _locked(return_request)
        _transition(return_request, ReturnStatus.RECEIVED)
        lines = list(return_request.lines.select_related("order_line"))
        unknown = set(resalable) - {line.pk for line in lines}
        if unknown:
            raise ShopError(_("That product is not part of this return."))
        back: dict[int, int] = {}
        for line in lines:
            line.is_resalable = bool(resalable.get(line.pk, False))
            if line.is_resalable:
                product_id = line.order_line.product_id
                back[product_id] = back.get(product_id, 0) + line.quantity
        ReturnLine.objects.bulk_update(lines, ["is_resalable"])
        products = Product.objects.select_for_update().filter(pk__in=sorted(back))
        for product in products.order_by("pk"):
            move_stock(
                product,
                back[product.pk],
                reason=StockMovement.Reason.RETURN,
                order=return_request.order,
                by=by,
            )
        _take_out_of_inventory(return_request, lines)
        # The distributor is refunded what they were shown when they asked.
        return_request.refund_amount = return_request.refund_estimate
        return_request.handled_by = by
        return_request.received_at = timezone.now()
        return_request.save(
            update_fields=["status", "refund_amount", "handled_by", "received_at"]
        )
        _email(return_request, "received")
    return return_request


def refund_return(*, return_request: ReturnRequest, by) -> ReturnRequest:
    """Pay back the return's amount; its PV and CV come off on the refund's date.

    An exchange is refunded the same way, less the restocking fee: the
    distributor orders what they want instead. The return is refunded when
    the provider confirms the money went back (at once for the wallet and the
    demo card, by webhook for cards); a failed refund can simply be tried again.
    """
    with transaction.atomic():
        return_request = _locked(return_request)
        if not return_request.can_become(ReturnStatus.REFUNDED):
            _transition(return_request, ReturnStatus.REFUNDED)  # raises the message
        already = return_request.refunds.exclude(status=RefundStatus.FAILED)
        if already.filter(status=RefundStatus.SUCCEEDED).exists():
            raise ShopError(_("This return has already been refunded."))
        if already.exists():
            raise ShopError(_("The refund of this return is under way."))
        figures = _figures_of(return_request)
        amount = return_request.refund_amount
        if amount is None:
            amount = return_request.refund_estimate
        refund = issue_refund(
            order=return_request.order,
            amount=amount,
            pv=figures.pv,
            cv=figures.cv,
            reason=f"return {return_request.rma_number}",
            return_request=return_request,
        )
        return_request.refund_amount = amount
        return_request.handled_by = by
        return_request.save(update_fields=["refund_amount", "handled_by"])
    execute_refund(refund)
    return_request.refresh_from_db()
    return return_request


def mark_return_refunded(refund) -> None:
    """The refund of a return went through: the return is refunded (inside it)."""
    return_request = _locked(refund.return_request)
    if not return_request.can_become(ReturnStatus.REFUNDED):
        return
    return_request.status = ReturnStatus.REFUNDED
    return_request.refunded_at = refund.refunded_at
    return_request.save(update_fields=["status", "refunded_at"])
    _email(return_request, "refunded")


def _take_out_of_inventory(return_request: ReturnRequest, lines) -> None:
    """Goods sent back leave the distributor's own stock (never below zero)."""
    order = return_request.order
    if order.kind != OrderKind.DISTRIBUTOR:
        return
    gone: dict[int, int] = {}
    for line in lines:
        product = line.order_line.product
        contents = list(product.contents.all())
        for product_id, each in [(c.product_id, c.quantity) for c in contents] or [
            (product.pk, 1)
        ]:
            gone[product_id] = gone.get(product_id, 0) + each * line.quantity
    today = timezone.localdate()
    items = InventoryItem.objects.select_for_update().filter(
        distributor_id=order.distributor_id, product_id__in=sorted(gone)
    )
    for item in items.order_by("pk"):
        change = min(gone[item.product_id], item.quantity)
        if not change:
            continue
        item.quantity -= change
        item.save(update_fields=["quantity"])
        InventoryMovement.objects.create(
            distributor_id=order.distributor_id,
            product_id=item.product_id,
            kind=InventoryMovementKind.RETURNED,
            change=-change,
            quantity_after=item.quantity,
            order=order,
            note=return_request.rma_number or "",
            on=today,
        )


# --- helpers ------------------------------------------------------------------


def _locked(return_request: ReturnRequest) -> ReturnRequest:
    return (
        ReturnRequest.objects.select_for_update()
        .select_related("order", "requested_by")
        .get(pk=return_request.pk)
    )


def _transition(return_request: ReturnRequest, status: str) -> None:
    if not return_request.can_become(status):
        raise ShopError(
            _("A return that is %(current)s cannot become %(new)s.")
            % {
                "current": return_request.get_status_display().lower(),
                "new": ReturnStatus(status).label.lower(),
            }
        )
    return_request.status = status


def _email(return_request: ReturnRequest, step: str) -> None:
    user = return_request.requested_by
    order = return_request.order
    queue_email(
        to=user.email,
        template=f"shop/return_{step}",
        context={
            "user": user,
            "order": order,
            "return_request": return_request,
            "lines": list(return_request.lines.select_related("order_line")),
            "company_address": settings.COMPANY_ADDRESS,
            "path": reverse("orders:detail", args=[order.number]),
        },
        language=user.language,
    )
