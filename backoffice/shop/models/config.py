"""What staff configure: shipping methods, Will Call centers, sales tax per state."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from backoffice.lib.us import STATE_CHOICES
from backoffice.shop.models.catalog import _localized


class ShippingMethodQuerySet(models.QuerySet["ShippingMethod"]):
    def active(self) -> ShippingMethodQuerySet:
        return self.filter(is_active=True)


class ShippingMethod(models.Model):
    code = models.SlugField(unique=True)
    name_en = models.CharField(_("name (English)"), max_length=100)
    name_es = models.CharField(_("name (Spanish)"), max_length=100, blank=True)
    price = models.DecimalField(_("price"), max_digits=14, decimal_places=2)
    # Two-letter states this method does not reach, comma-separated ("AK,HI").
    excluded_states = models.CharField(_("excluded states"), max_length=200, blank=True)
    delivers_to_po_box = models.BooleanField(_("delivers to PO boxes"), default=False)
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(_("active"), default=True)

    objects = ShippingMethodQuerySet.as_manager()

    class Meta:
        ordering = ["position", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(price__gte=0), name="shop_shipping_price_not_negative"
            )
        ]

    def __str__(self) -> str:
        return self.name_en

    @property
    def name(self) -> str:
        return _localized(self, "name")

    def reaches(self, state: str, *, is_po_box: bool) -> bool:
        if is_po_box and not self.delivers_to_po_box:
            return False
        excluded = {s.strip().upper() for s in self.excluded_states.split(",")}
        return state.upper() not in excluded


class WillCallCenterQuerySet(models.QuerySet["WillCallCenter"]):
    def active(self) -> WillCallCenterQuerySet:
        return self.filter(is_active=True)


class WillCallCenter(models.Model):
    """A pick-up counter: orders collected in person, no shipping charged."""

    name = models.CharField(_("name"), max_length=100)
    address_line1 = models.CharField(_("address"), max_length=200)
    city = models.CharField(_("city"), max_length=100)
    state = models.CharField(_("state"), max_length=2, choices=STATE_CHOICES)
    postal_code = models.CharField(_("ZIP code"), max_length=10)
    hours = models.CharField(_("hours"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    objects = WillCallCenterQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TaxRate(models.Model):
    """Sales tax for orders shipped to (or picked up in) a state."""

    state = models.CharField(
        _("state"), max_length=2, unique=True, choices=STATE_CHOICES
    )
    rate = models.DecimalField(_("rate"), max_digits=6, decimal_places=4)
    applies_to_shipping = models.BooleanField(_("applies to shipping"), default=False)

    class Meta:
        ordering = ["state"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rate__gte=0) & Q(rate__lt=1), name="shop_tax_rate_range"
            )
        ]

    def __str__(self) -> str:
        return f"{self.state} {self.rate:%}"


class Destination(models.Model):
    """Where goods go: an address by a shipping method, or a Will Call pick-up."""

    shipping_method = models.ForeignKey(
        "shop.ShippingMethod",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    will_call = models.ForeignKey(
        "shop.WillCallCenter",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # First and last name as the account holds them (150 characters each).
    ship_name = models.CharField(_("name"), max_length=310, blank=True)
    ship_line1 = models.CharField(_("address"), max_length=200, blank=True)
    ship_line2 = models.CharField(_("address line 2"), max_length=200, blank=True)
    ship_city = models.CharField(_("city"), max_length=100, blank=True)
    ship_state = models.CharField(_("state"), max_length=2, blank=True)
    ship_postal_code = models.CharField(_("ZIP code"), max_length=10, blank=True)
    ship_phone = models.CharField(_("phone"), max_length=30, blank=True)

    class Meta:
        abstract = True

    @property
    def is_pickup(self) -> bool:
        return self.will_call_id is not None
