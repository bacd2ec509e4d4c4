"""The Gano Excel USA 2026 catalog and shop configuration, as editable defaults.

``load_catalog()`` creates (or updates by SKU) categories, products, packs and
their contents, shipping methods, the Will Call center and state tax rates from
the price lists in ``demo_data/``. Staff edit everything afterwards in the admin.
"""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

from django.db import transaction

from backoffice.shop.models import (
    Category,
    PackageContent,
    Product,
    ShippingMethod,
    TaxRate,
    WillCallCenter,
)

DATA = Path(__file__).parent / "demo_data"

SUPPLEMENT_DISCLAIMER = (
    "These statements have not been evaluated by the Food and Drug Administration. "
    "This product is not intended to diagnose, treat, cure or prevent any disease."
)
SUPPLEMENT_DISCLAIMER_ES = (
    "Estas declaraciones no han sido evaluadas por la Administración de Alimentos y "
    "Medicamentos (FDA). Este producto no está destinado a diagnosticar, tratar, "
    "curar ni prevenir ninguna enfermedad."
)

CATEGORIES = [
    ("ganocafe", "Coffee, cocoa and tea", "Café, chocolate y té", 1),
    ("ganoplus", "GanoPlus", "GanoPlus", 2),
    ("ganodaily", "Personal care and supplements", "Cuidado personal y suplementos", 3),
    ("packs", "Executive Success Packs", "Paquetes Executive Success", 4),
]
LINE_CATEGORY = {
    "Ganocafé": "ganocafe",
    "GanoPlus": "ganoplus",
    "GanoDaily": "ganodaily",
}

SPANISH_NAMES = {
    "801": "Ganoderma (Espíritu)",
    "803": "Excellium (Mente)",
    "808": "Cordyceps (Cuerpo)",
    "301": "Jabón Sense",
    "302": "Pasta dental Fresh",
    "314": "Loción Reishi Touch",
    "504": "Té Rooibos",
}

# Descriptions say what the product is, never what it treats.
DESCRIPTIONS = {
    "ganocafe": (
        "Instant coffee blended with Ganoderma lucidum extract. {size}.",
        "Café instantáneo mezclado con extracto de Ganoderma lucidum. {size}.",
    ),
    "ganoplus": (
        "A GanoPlus beverage made with Ganoderma lucidum. {size}.",
        "Una bebida GanoPlus elaborada con Ganoderma lucidum. {size}.",
    ),
    "ganodaily": (
        "Part of the GanoDaily line, made with Ganoderma lucidum. {size}.",
        "Parte de la línea GanoDaily, elaborada con Ganoderma lucidum. {size}.",
    ),
}
PACK_DESCRIPTION_ES = "Productos para empezar el negocio, a precio de paquete."
SUPPLEMENTS = {"801", "803", "808", "820"}

SHIPPING_METHODS = [
    # code, English, Spanish, price, excluded states, PO boxes
    (
        "fedex-ground",
        "FedEx Ground (signature required)",
        "FedEx Ground (con firma)",
        Decimal("6.35"),
        "AK,HI",
        False,
    ),
    (
        "usps-priority",
        "USPS Priority Mail (PO boxes, Alaska, Hawaii)",
        "USPS Priority Mail (apartados postales, Alaska, Hawái)",
        Decimal("12.95"),
        "",
        True,
    ),
]

# Statewide base sales tax rates (local surtaxes not included); staff edit them.
STATE_TAX = {
    "AL": "0.04", "AZ": "0.056", "AR": "0.065", "CA": "0.0725", "CO": "0.029",
    "CT": "0.0635", "DC": "0.06", "FL": "0.06", "GA": "0.04", "HI": "0.04",
    "ID": "0.06", "IL": "0.0625", "IN": "0.07", "IA": "0.06", "KS": "0.065",
    "KY": "0.06", "LA": "0.05", "ME": "0.055", "MD": "0.06", "MA": "0.0625",
    "MI": "0.06", "MN": "0.06875", "MS": "0.07", "MO": "0.04225", "NE": "0.055",
    "NV": "0.0685", "NJ": "0.06625", "NM": "0.04875", "NY": "0.04", "NC": "0.0475",
    "ND": "0.05", "OH": "0.0575", "OK": "0.045", "PA": "0.06", "RI": "0.07",
    "SC": "0.06", "SD": "0.042", "TN": "0.07", "TX": "0.0625", "UT": "0.0485",
    "VT": "0.06", "VA": "0.053", "WA": "0.065", "WV": "0.06", "WI": "0.05",
    "WY": "0.04",
}  # fmt: skip


def _read(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@transaction.atomic
def load_catalog(*, stock: int = 500) -> int:
    """Create or update the catalog; returns the number of products."""
    categories = {}
    for slug, name_en, name_es, position in CATEGORIES:
        categories[slug], _created = Category.objects.update_or_create(
            slug=slug,
            defaults={"name_en": name_en, "name_es": name_es, "position": position},
        )
    count = 0
    for position, row in enumerate(_read("gano-us-2026-catalog.csv")):
        slug = LINE_CATEGORY[row["line"]]
        english, spanish = DESCRIPTIONS[slug]
        size = row["size"] or "1 unit"
        description_en = english.format(size=size)
        description_es = spanish.format(size=size)
        if row["item"] in SUPPLEMENTS:
            description_en += "\n\n" + SUPPLEMENT_DISCLAIMER
            description_es += "\n\n" + SUPPLEMENT_DISCLAIMER_ES
        fields = {
            "name_en": row["name"],
            "name_es": SPANISH_NAMES.get(row["item"], row["name"]),
            "description_en": description_en,
            "description_es": description_es,
            "size": row["size"],
            "category": categories[slug],
            "distributor_price": Decimal(row["wholesale_usd"]),
            "retail_price": Decimal(row["retail_usd"]),
            "pv": Decimal(row["pv"]),
            "cv": Decimal(row["cv"]),
            "weight_grams": 400,
            "position": position,
        }
        # update_or_create's create_defaults replace defaults: stock only on create.
        Product.objects.update_or_create(
            sku=row["item"], defaults=fields, create_defaults={**fields, "stock": stock}
        )
        count += 1
    for position, row in enumerate(_read("gano-us-2026-packages.csv")):
        name = row["package"]
        level, required = _levels(name)
        price = Decimal(row["price_usd"])
        fields = {
            "name_en": f"Executive Success Pack {name}"
            if " to " not in name
            else f"Upgrade {name}",
            "name_es": f"Paquete Executive Success {name}"
            if " to " not in name
            else f"Mejora {name.replace(' to ', ' a ')}",
            "description_en": "Products for a new business, at a pack price.",
            "description_es": PACK_DESCRIPTION_ES,
            "category": categories["packs"],
            "distributor_price": price,
            "retail_price": price,
            "pv": Decimal(row["pv"]),
            "cv": Decimal(row["cv"]),
            "weight_grams": 3000,
            "package_level": level,
            "requires_level": required,
            "position": position,
        }
        pack, _created = Product.objects.update_or_create(
            sku=name, defaults=fields, create_defaults={**fields, "stock": stock // 5}
        )
        pack.contents.all().delete()
        items = dict(part.split("x") for part in row["contents"].split())
        by_sku = Product.objects.in_bulk(list(items), field_name="sku")
        PackageContent.objects.bulk_create(
            PackageContent(package=pack, product=by_sku[sku], quantity=int(quantity))
            for sku, quantity in items.items()
        )
        count += 1
    for position, (code, en, es, price, excluded, po_box) in enumerate(
        SHIPPING_METHODS
    ):
        ShippingMethod.objects.update_or_create(
            code=code,
            defaults={
                "name_en": en,
                "name_es": es,
                "price": price,
                "excluded_states": excluded,
                "delivers_to_po_box": po_box,
                "position": position,
            },
        )
    WillCallCenter.objects.update_or_create(
        name="Pomona Will Call",
        defaults={
            "address_line1": "980 Corporate Center Drive",
            "city": "Pomona",
            "state": "CA",
            "postal_code": "91768",
            "hours": "Mon–Fri 9:00–17:00",
        },
    )
    for state, rate in STATE_TAX.items():
        TaxRate.objects.update_or_create(state=state, defaults={"rate": Decimal(rate)})
    return count


def _levels(name: str) -> tuple[int, int]:
    """("ESP-2", …) → (2, 0); ("ESP-1 to ESP-3", …) → (3, 1)."""
    if " to " in name:
        start, end = name.split(" to ")
        return int(end[-1]), int(start[-1])
    return int(name[-1]), 0
