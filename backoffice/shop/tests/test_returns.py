"""Returns: request within the window, RMA, receipt into stock, refund and volume."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from backoffice.lib.cycles import cycle_of
from backoffice.shop import actions
from backoffice.shop.actions import returns
from backoffice.shop.models import (
    Order,
    OrderStatus,
    Product,
    Refund,
    RetailCustomer,
    ReturnLine,
    ReturnRequest,
    ReturnStatus,
    StockMovement,
    VolumeEntry,
)
from backoffice.shop.tests.conftest import pay_with_demo_card, place, ship_to_ca

D = Decimal
PACIFIC = ZoneInfo("America/Los_Angeles")
PAID_AT = datetime(2026, 3, 2, 10, 0, tzinfo=PACIFIC)  # Monday, paid_on 2026-03-02


def delivered(distributor, items, delivery, staff, *, at=PAID_AT) -> Order:
    with time_machine.travel(at, tick=False):
        order = place(distributor, items, delivery)
        pay_with_demo_card(order)
        actions.mark_processing(order=order, by=staff)
        actions.mark_shipped(
            order=order, by=staff, carrier="FedEx", tracking_number="7712"
        )
        actions.mark_delivered(order=order, by=staff)
    order.refresh_from_db()
    return order


@pytest.fixture
def order(team, catalog, fedex, staff):
    """alice's delivered order: 3 × 501 at $24.95 and 2 × 801 at $46.00."""
    Product.objects.filter(sku="501").update(distributor_price=D("24.95"))
    return delivered(
        team["alice"], {catalog["501"]: 3, catalog["801"]: 2}, ship_to_ca(fedex), staff
    )


def lines_of(order) -> dict[str, int]:
    return {line.sku: line.pk for line in order.lines.all()}


def ask(order, quantities, *, kind="refund", reason="Arrived crushed", at=None):
    by_sku = lines_of(order)
    with time_machine.travel(at or datetime(2026, 3, 10, 9, 0, tzinfo=PACIFIC)):
        return returns.request_return(
            order=order,
            lines={by_sku[sku]: quantity for sku, quantity in quantities.items()},
            kind=kind,
            reason=reason,
            by=order.buyer,
        )


def stock(sku: str) -> int:
    return Product.objects.get(sku=sku).stock


# --- requesting ---------------------------------------------------------------


def test_request_estimates_90_percent_of_the_goods_and_emails_the_distributor(
    order, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        request = ask(order, {"501": 3, "801": 1})
    assert request.status == ReturnStatus.REQUESTED
    assert request.kind == "refund"
    # (3 × 24.95 + 46.00) × 90 % = 120.85 × 0.9 = 108.765, half up
    assert request.refund_estimate == D("108.77")
    assert request.refund_amount is None
    assert request.rma_number is None
    assert request.requested_by == order.buyer
    assert sorted(request.lines.values_list("order_line__sku", "quantity")) == [
        ("501", 3),
        ("801", 1),
    ]
    assert [m.to for m in mail.outbox] == [["100001@example.com"]]
    assert mail.outbox[0].subject == f"Return request received for order {order.number}"
    assert "Estimated refund: $108.77 (shipping and tax are not refunded)." in (
        mail.outbox[0].body
    )


@pytest.mark.parametrize(
    ("kind", "refund_percent", "restocking_percent", "expected"),
    [
        ("refund", 90, 10, D("67.37")),  # 74.85 × 0.90 = 67.365
        ("exchange", 90, 10, D("67.37")),  # 74.85 × (1 − 0.10)
        ("exchange", 90, 15, D("63.62")),  # 74.85 × 0.85 = 63.6225
        ("refund", 80, 15, D("59.88")),  # 74.85 × 0.80
    ],
)
def test_estimate_to_the_cent(
    order, settings, kind, refund_percent, restocking_percent, expected
):
    settings.RETURN_REFUND_PERCENT = refund_percent
    settings.EXCHANGE_RESTOCKING_PERCENT = restocking_percent
    request = ask(order, {"501": 3}, kind=kind)
    assert request.kind == kind
    assert request.refund_estimate == expected


def test_the_window_is_45_days_from_the_payment_date_in_the_company_zone(order):
    assert order.paid_on == date(2026, 3, 2)
    assert returns.return_deadline(order) == date(2026, 4, 16)
    # Day 46 in California, though still day 45 nowhere: refused.
    with pytest.raises(actions.ShopError, match="within 45 days of payment"):
        ask(order, {"501": 1}, at=datetime(2026, 4, 17, 0, 5, tzinfo=PACIFIC))
    assert not ReturnRequest.objects.exists()
    # 23:55 on day 45 in California (06:55 UTC the next day): accepted.
    request = ask(order, {"501": 1}, at=datetime(2026, 4, 16, 23, 55, tzinfo=PACIFIC))
    assert request.status == ReturnStatus.REQUESTED


def test_only_delivered_orders_can_be_returned(team, catalog, fedex, staff):
    shipped = place(team["alice"], {catalog["501"]: 2}, ship_to_ca(fedex))
    pay_with_demo_card(shipped)
    actions.mark_processing(order=shipped, by=staff)
    actions.mark_shipped(order=shipped, by=staff, carrier="UPS", tracking_number="1")
    line = shipped.lines.get()
    with pytest.raises(actions.ShopError, match="Only delivered orders"):
        returns.request_return(
            order=shipped, lines={line.pk: 1}, kind="refund", reason="x", by=None
        )
    assert not ReturnRequest.objects.exists()


def test_retail_customer_orders_are_not_returned_online(team, catalog, fedex, staff):
    customer = RetailCustomer.objects.create(
        distributor=team["alice"], first_name="Rita", last_name="Ruiz", email="r@x.io"
    )
    sold = delivered(
        team["alice"],
        {catalog["501"]: 1},
        ship_to_ca(fedex),
        staff,
        at=datetime.now(tz=PACIFIC),
    )
    Order.objects.filter(pk=sold.pk).update(kind="customer", customer=customer)
    sold.refresh_from_db()
    with pytest.raises(actions.ShopError, match="arranged with customer support"):
        returns.request_return(
            order=sold,
            lines={sold.lines.get().pk: 1},
            kind="refund",
            reason="x",
            by=team["alice"].user,
        )
    assert not ReturnRequest.objects.exists()


def test_more_than_was_ordered_is_refused_and_nothing_is_written(order):
    with pytest.raises(actions.ShopError, match="at most 2 of Ganoderma"):
        ask(order, {"501": 1, "801": 3})
    assert not ReturnRequest.objects.exists()
    assert not ReturnLine.objects.exists()


def test_units_asked_back_already_count_until_the_request_is_refused(order, staff):
    first = ask(order, {"501": 2})
    assert returns.returnable_quantities(order) == {
        lines_of(order)["501"]: 1,
        lines_of(order)["801"]: 2,
    }
    with pytest.raises(actions.ShopError, match="at most 1 of Ganocafé 3-in-1"):
        ask(order, {"501": 2})
    assert ReturnRequest.objects.count() == 1
    returns.reject_return(return_request=first, by=staff, note="Opened and used")
    second = ask(order, {"501": 3})
    assert second.lines.get().quantity == 3


def test_a_reason_and_at_least_one_unit_are_needed(order):
    with pytest.raises(actions.ShopError, match="Tell us why"):
        ask(order, {"501": 1}, reason="   ")
    with pytest.raises(actions.ShopError, match="at least one product"):
        ask(order, {"501": 0})
    with pytest.raises(actions.ShopError, match="Choose a refund or an exchange"):
        ask(order, {"501": 1}, kind="credit")
    assert not ReturnRequest.objects.exists()


def test_a_line_of_another_order_is_refused(order, team, catalog, fedex, staff):
    other = delivered(team["alice"], {catalog["505"]: 1}, ship_to_ca(fedex), staff)
    with (
        time_machine.travel(datetime(2026, 3, 10, 9, 0, tzinfo=PACIFIC)),
        pytest.raises(actions.ShopError, match="not part of this order"),
    ):
        returns.request_return(
            order=order,
            lines={other.lines.get().pk: 1},
            kind="refund",
            reason="x",
            by=order.buyer,
        )
    assert not ReturnRequest.objects.exists()


def test_the_distributor_withdraws_only_while_it_is_unanswered(order, staff):
    request = ask(order, {"501": 1})
    returns.cancel_return(return_request=request, by=order.buyer)
    request.refresh_from_db()
    assert request.status == ReturnStatus.CANCELLED
    approved = ask(order, {"501": 1})
    returns.approve_return(return_request=approved, by=staff)
    with pytest.raises(actions.ShopError, match="still waiting for an answer"):
        returns.cancel_return(return_request=approved, by=order.buyer)
    approved.refresh_from_db()
    assert approved.status == ReturnStatus.APPROVED


# --- staff --------------------------------------------------------------------


def test_approval_gives_an_rma_and_emails_where_to_send(
    order, staff, django_capture_on_commit_callbacks
):
    request = ask(order, {"801": 2})
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        returns.approve_return(return_request=request, by=staff)
    request.refresh_from_db()
    assert request.status == ReturnStatus.APPROVED
    assert request.rma_number.startswith("RMA-")
    assert len(request.rma_number) == 12
    assert request.handled_by == staff
    assert request.approved_at is not None
    message = mail.outbox[0]
    assert message.to == ["100001@example.com"]
    assert message.subject == (
        f"Return {request.rma_number} approved for order {order.number}"
    )
    assert f"Your return number (RMA): {request.rma_number}\n" in message.body
    assert "980 Corporate Center Drive, Pomona, CA 91768" in message.body


def test_an_rma_number_already_taken_is_drawn_again(order, staff, monkeypatch):
    taken = ask(order, {"501": 1})
    ReturnRequest.objects.filter(pk=taken.pk).update(rma_number="RMA-00000001")
    request = ask(order, {"501": 1})
    numbers = iter(["RMA-00000001", "RMA-00000002"])
    monkeypatch.setattr(returns, "new_rma_number", lambda: next(numbers))
    returns.approve_return(return_request=request, by=staff)
    request.refresh_from_db()
    assert request.rma_number == "RMA-00000002"


def test_rejection_needs_a_note_and_tells_the_distributor(
    order, staff, django_capture_on_commit_callbacks
):
    request = ask(order, {"501": 1})
    with pytest.raises(actions.ShopError, match="Say why"):
        returns.reject_return(return_request=request, by=staff, note=" ")
    request.refresh_from_db()
    assert request.status == ReturnStatus.REQUESTED
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        returns.reject_return(return_request=request, by=staff, note="Opened box")
    request.refresh_from_db()
    assert (request.status, request.staff_note) == (ReturnStatus.REJECTED, "Opened box")
    assert "\nOpened box\n" in mail.outbox[0].body


def test_goods_cannot_be_received_before_approval(order, staff):
    request = ask(order, {"501": 1})
    line = request.lines.get()
    with pytest.raises(actions.ShopError, match="requested cannot become received"):
        returns.receive_return(
            return_request=request, by=staff, resalable={line.pk: True}
        )
    request.refresh_from_db()
    assert request.status == ReturnStatus.REQUESTED
    assert stock("501") == 47
    assert not StockMovement.objects.filter(reason="return").exists()


def test_resalable_goods_go_back_into_stock_and_the_rest_do_not(
    order, staff, django_capture_on_commit_callbacks
):
    request = ask(order, {"501": 2, "801": 1})
    returns.approve_return(return_request=request, by=staff)
    by_sku = {line.order_line.sku: line for line in request.lines.all()}
    assert (stock("501"), stock("801")) == (47, 48)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        returns.receive_return(
            return_request=request,
            by=staff,
            resalable={by_sku["501"].pk: True, by_sku["801"].pk: False},
        )
    request.refresh_from_db()
    assert request.status == ReturnStatus.RECEIVED
    assert request.refund_amount == request.refund_estimate == D("86.31")
    assert (stock("501"), stock("801")) == (49, 48)
    movement = StockMovement.objects.get(reason="return")
    assert (movement.product.sku, movement.change, movement.stock_after) == (
        "501",
        2,
        49,
    )
    assert (movement.order, movement.by) == (order, staff)
    assert dict(request.lines.values_list("order_line__sku", "is_resalable")) == {
        "501": True,
        "801": False,
    }
    assert mail.outbox[0].subject == f"We received your return {request.rma_number}"


def received(order, staff, quantities, *, kind="refund"):
    request = ask(order, quantities, kind=kind)
    returns.approve_return(return_request=request, by=staff)
    returns.receive_return(return_request=request, by=staff, resalable={})
    request.refresh_from_db()
    return request


def test_refund_takes_back_the_returned_lines_volume_on_the_refund_date(
    order, staff, django_capture_on_commit_callbacks
):
    request = received(order, staff, {"501": 2, "801": 1})
    mail.outbox.clear()
    refund_day = datetime(2026, 3, 25, 15, 0, tzinfo=PACIFIC)
    with (
        time_machine.travel(refund_day, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        returns.refund_return(return_request=request, by=staff)
    request.refresh_from_db()
    order.refresh_from_db()
    assert request.status == ReturnStatus.REFUNDED
    assert request.refund_amount == D("86.31")  # (2 × 24.95 + 46.00) × 90 %
    refund = Refund.objects.get()
    assert (refund.return_request, refund.amount, refund.status) == (
        request,
        D("86.31"),
        "succeeded",
    )
    assert (refund.pv, refund.cv) == (D("70"), D("73.6"))  # 2×17 + 36; 2×19.2 + 35.2
    assert order.refunded_amount == D("86.31")
    assert order.status == OrderStatus.DELIVERED  # shipping and tax stay paid
    clawback = VolumeEntry.objects.get(kind="refund")
    assert (clawback.on, clawback.cycle) == (
        date(2026, 3, 25),
        cycle_of(date(2026, 3, 25)),
    )
    assert (clawback.pv, clawback.cv, clawback.refund) == (D("-70"), D("-73.6"), refund)
    # The order credited 123 PV and 128 CV; the unreturned units keep theirs.
    assert VolumeEntry.objects.for_distributor(order.distributor).totals() == {
        "pv": D("53"),
        "cv": D("54.4"),
    }
    assert mail.outbox[0].subject == f"Return {request.rma_number} refunded"


def test_an_exchange_is_refunded_less_the_restocking_fee(order, staff, settings):
    settings.EXCHANGE_RESTOCKING_PERCENT = 15
    request = received(order, staff, {"501": 3}, kind="exchange")
    returns.refund_return(return_request=request, by=staff)
    refund = Refund.objects.get()
    assert (refund.amount, refund.pv, refund.cv) == (D("63.62"), D("51"), D("57.6"))


def test_a_second_refund_of_the_same_return_is_refused(order, staff):
    request = received(order, staff, {"801": 1})
    returns.refund_return(return_request=request, by=staff)
    order.refresh_from_db()
    with pytest.raises(actions.ShopError, match="refunded cannot become refunded"):
        returns.refund_return(return_request=request, by=staff)
    assert Refund.objects.count() == 1
    assert VolumeEntry.objects.filter(kind="refund").count() == 1
    assert Order.objects.get(pk=order.pk).refunded_amount == order.refunded_amount
