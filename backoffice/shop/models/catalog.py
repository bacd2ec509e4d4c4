"""The catalog: categories, products (packages among them), company stock."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from backoffice.lib.append_only import AppendOnlyModel


def _localized(obj, field: str) -> str:
    language = (translation.get_language() or "en")[:2]
    if language == "es":
        return getattr(obj, f"{field}_es") or getattr(obj, f"{field}_en")
    return getattr(obj, f"{field}_en")


class PackageLevel(models.IntegerChoices):
    NONE = 0, _("None")
    ESP1 = 1, "ESP-1"
    ESP2 = 2, "ESP-2"
    ESP3 = 3, "ESP-3"


class Category(models.Model):
    slug = models.SlugField(unique=True)
    name_en = models.CharField(_("name (English)"), max_length=100)
    name_es = models.CharField(_("name (Spanish)"), max_length=100, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "slug"]
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.name_en

    @property
    def name(self) -> str:
        return _localized(self, "name")


class ProductQuerySet(models.QuerySet["Product"]):
    def active(self) -> ProductQuerySet:
        return self.filter(is_active=True)

    def in_category(self, slug: str) -> ProductQuerySet:
        return self.filter(category__slug=slug)

    def search(self, text: str) -> ProductQuerySet:
        text = text.strip()
        if not text:
            return self
        return self.filter(
            Q(sku__iexact=text)
            | Q(name_en__icontains=text)
            | Q(name_es__icontains=text)
            | Q(description_en__icontains=text)
            | Q(description_es__icontains=text)
        )

    def low_stock(self) -> ProductQuerySet:
        return self.filter(stock__lte=F("low_stock_threshold"))

    def packages(self) -> ProductQuerySet:
        return self.filter(package_level__gt=0)

    def products(self) -> ProductQuerySet:
        return self.filter(package_level=0)


class Product(models.Model):
    """Something a distributor or a retail customer can buy.

    A package (ESP-1/2/3, or an upgrade between them) also raises the buyer's
    package level to ``package_level``; an upgrade needs ``requires_level``.
    Packs are assembled kits stocked under their own SKU.
    """

    sku = models.CharField(_("SKU"), max_length=32, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_es = models.CharField(_("name (Spanish)"), max_length=200, blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    description_es = models.TextField(_("description (Spanish)"), blank=True)
    size = models.CharField(_("size"), max_length=60, blank=True)
    image = models.ImageField(_("image"), upload_to="products/", blank=True)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="products"
    )
    distributor_price = models.DecimalField(
        _("distributor price"), max_digits=14, decimal_places=2
    )
    retail_price = models.DecimalField(
        _("retail price"), max_digits=14, decimal_places=2
    )
    pv = models.DecimalField(_("PV"), max_digits=10, decimal_places=2)
    cv = models.DecimalField(_("CV"), max_digits=10, decimal_places=2)
    weight_grams = models.PositiveIntegerField(_("weight (grams)"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    package_level = models.PositiveSmallIntegerField(
        _("package level reached"), choices=PackageLevel, default=PackageLevel.NONE
    )
    requires_level = models.PositiveSmallIntegerField(
        _("package level required"), choices=PackageLevel, default=PackageLevel.NONE
    )
    # Company stock (units on hand and not reserved by an order).
    stock = models.IntegerField(_("stock"), default=0)
    low_stock_threshold = models.PositiveIntegerField(
        _("low-stock alert at"), default=20
    )
    position = models.PositiveSmallIntegerField(default=0)

    objects = ProductQuerySet.as_manager()

    class Meta:
        ordering = ["category__position", "position", "sku"]
        constraints = [
            models.CheckConstraint(
                condition=Q(stock__gte=0), name="shop_product_stock_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(distributor_price__gte=0)
                & Q(retail_price__gte=F("distributor_price")),
                name="shop_product_prices_valid",
            ),
            models.CheckConstraint(
                condition=Q(pv__gte=0) & Q(cv__gte=0),
                name="shop_product_volume_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(requires_level__lt=F("package_level"))
                | Q(package_level=0, requires_level=0),
                name="shop_product_upgrade_raises_level",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sku} {self.name_en}"

    @property
    def name(self) -> str:
        return _localized(self, "name")

    @property
    def description(self) -> str:
        return _localized(self, "description")

    @property
    def is_package(self) -> bool:
        return self.package_level > 0

    @property
    def in_stock(self) -> bool:
        return self.stock > 0

    @property
    def retail_profit(self):
        return self.retail_price - self.distributor_price


class PackageContent(models.Model):
    """What a pack holds (added to the buyer's own inventory on delivery)."""

    package = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="contents"
    )
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["package", "product"], name="shop_package_content_unique"
            ),
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="shop_package_content_quantity"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product_id}"


class StockMovement(AppendOnlyModel):
    """Every change to company stock, with its reason (an order, a return, staff)."""

    class Reason(models.TextChoices):
        ORDER = "order", _("Order")
        CANCELLED = "cancelled", _("Order cancelled")
        RETURN = "return", _("Return received")
        RESTOCK = "restock", _("Restock")
        ADJUSTMENT = "adjustment", _("Adjustment")

    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="stock_movements"
    )
    change = models.IntegerField()
    stock_after = models.IntegerField()
    reason = models.CharField(max_length=12, choices=Reason)
    order = models.ForeignKey(
        "shop.Order", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.CharField(max_length=200, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]
