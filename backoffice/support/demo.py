"""Demo help center (English and Spanish), canned replies and a few tickets."""

from __future__ import annotations

import random
from datetime import timedelta

from django.utils import timezone

from backoffice.accounts.models import User
from backoffice.network.models import Distributor
from backoffice.support.models import (
    Article,
    ArticleKind,
    CannedReply,
    HelpCategory,
    MessageKind,
    Ticket,
    TicketCategory,
    TicketEvent,
    TicketMessage,
    TicketStatus,
)

CATEGORIES = [
    ("orders", "Orders, shipping and returns", "Pedidos, envíos y devoluciones"),
    ("autoship", "Autoship", "Autoenvío"),
    ("commissions", "Commissions and payouts", "Comisiones y pagos"),
    ("team", "Your team and the binary tree", "Tu equipo y el árbol binario"),
]

# (category, kind, slug, English title, English text, Spanish title, Spanish text)
ENTRIES = [
    (
        "orders",
        ArticleKind.ARTICLE,
        "placing-an-order",
        "Placing an order",
        "Open Shop, add products to your cart and check out. You pay the "
        "distributor (wholesale) price and each product earns its PV and CV.\n\n"
        "Your order's page shows its status from paid to delivered, with the "
        "tracking number once it ships.",
        "Cómo hacer un pedido",
        "Abre Tienda, añade productos al carrito y paga. Pagas el precio de "
        "distribuidor (mayoreo) y cada producto suma sus PV y CV.\n\n"
        "La página de tu pedido muestra su estado, de pagado a entregado, con el "
        "número de rastreo cuando se envía.",
    ),
    (
        "orders",
        ArticleKind.FAQ,
        "how-orders-ship",
        "How do orders ship?",
        "Orders ship from Chino, California by FedEx Ground with signature "
        "($6.35). Orders to PO boxes, Alaska and Hawaii go by USPS Priority Mail.",
        "¿Cómo se envían los pedidos?",
        "Los pedidos salen de Chino, California, por FedEx Ground con firma "
        "($6.35). Los pedidos a apartados postales, Alaska y Hawái van por USPS "
        "Priority Mail.",
    ),
    (
        "orders",
        ArticleKind.FAQ,
        "returns",
        "Can I return a product?",
        "Yes: ask for a return from the order's page within 45 days of delivery. "
        "Once we receive the products we refund 90 % of what you paid for them.\n\n"
        "Returned products take back the volume they earned.",
        "¿Puedo devolver un producto?",
        "Sí: pide la devolución desde la página del pedido dentro de los 45 días "
        "siguientes a la entrega. Cuando recibimos los productos te devolvemos el "
        "90 % de lo que pagaste por ellos.\n\n"
        "Los productos devueltos restan el volumen que sumaron.",
    ),
    (
        "autoship",
        ArticleKind.ARTICLE,
        "autoship-basics",
        "Autoship: your monthly order on autopilot",
        "An autoship places the same order every month on the day you choose: "
        "the 1st, 5th, 10th, 15th, 20th or 25th. You can change the products, "
        "skip a month or pause it from the Autoship page.\n\n"
        "If a product is out of stock, Gano may send the closest product so you "
        "stay qualified.",
        "Autoenvío: tu pedido mensual en automático",
        "El autoenvío hace el mismo pedido cada mes el día que elijas: el 1, 5, "
        "10, 15, 20 o 25. Puedes cambiar los productos, saltar un mes o pausarlo "
        "desde la página de Autoenvío.\n\n"
        "Si un producto está agotado, Gano puede enviar el más parecido para que "
        "sigas calificado.",
    ),
    (
        "autoship",
        ArticleKind.FAQ,
        "staying-active",
        "How do I stay active?",
        "You are active with at least 50 PV in the last 30 days. An autoship of "
        "50 PV or more keeps you active without thinking about it.",
        "¿Cómo me mantengo activo?",
        "Estás activo con al menos 50 PV en los últimos 30 días. Un autoenvío de "
        "50 PV o más te mantiene activo sin pensarlo.",
    ),
    (
        "commissions",
        ArticleKind.ARTICLE,
        "commission-pay-dates",
        "When are commissions paid?",
        "Commissions are calculated in weekly cycles from Monday to Sunday. A "
        "cycle is paid on the Friday two weeks after its Sunday.\n\n"
        "Payouts start at $25.00: a smaller balance is carried forward to the "
        "next payout.",
        "¿Cuándo se pagan las comisiones?",
        "Las comisiones se calculan en ciclos semanales de lunes a domingo. Cada "
        "ciclo se paga el viernes dos semanas después de su domingo.\n\n"
        "Los pagos empiezan en $25.00: un saldo menor pasa al siguiente pago.",
    ),
    (
        "commissions",
        ArticleKind.ARTICLE,
        "changing-bank-details",
        "Changing your bank details",
        "Open Bank account for payouts in your account menu and confirm your "
        "password. For your safety, payouts are held for 7 days after a change "
        "and we email you about it.\n\n"
        "Never send your account number in a ticket or an email.",
        "Cambiar tus datos bancarios",
        "Abre Cuenta bancaria para pagos en el menú de tu cuenta y confirma tu "
        "contraseña. Por tu seguridad, los pagos se retienen 7 días después de un "
        "cambio y te avisamos por correo.\n\n"
        "Nunca envíes tu número de cuenta en un ticket ni por correo.",
    ),
    (
        "commissions",
        ArticleKind.FAQ,
        "wallet-or-bank",
        "Can I be paid to my Back Office wallet?",
        "Yes: choose the wallet instead of the bank on the payout details page. "
        "You can use the wallet balance to pay for orders.",
        "¿Puedo cobrar en mi billetera del Back Office?",
        "Sí: elige la billetera en lugar del banco en la página de datos de pago. "
        "Puedes usar el saldo de la billetera para pagar pedidos.",
    ),
    (
        "team",
        ArticleKind.ARTICLE,
        "binary-legs",
        "Your two legs in the binary tree",
        "Everyone you place goes in your left or your right leg. Each week the "
        "volume of your weaker leg is matched with the stronger one in units of "
        "100 CV; nothing is paid below 100 CV matched.\n\n"
        "Unmatched volume of the stronger leg is banked for the next cycles.",
        "Tus dos piernas en el árbol binario",
        "Cada persona que colocas va en tu pierna izquierda o derecha. Cada "
        "semana el volumen de tu pierna débil se empareja con el de la fuerte en "
        "unidades de 100 CV; no se paga nada por debajo de 100 CV emparejados.\n\n"
        "El volumen sin emparejar de la pierna fuerte se guarda para los "
        "siguientes ciclos.",
    ),
    (
        "team",
        ArticleKind.FAQ,
        "holding-tank",
        "What is the holding tank?",
        "New people you enroll wait in your holding tank for up to 7 days while "
        "you choose where to place them in your tree.",
        "¿Qué es el tanque de espera?",
        "Las personas que inscribes esperan en tu tanque de espera hasta 7 días "
        "mientras eliges dónde colocarlas en tu árbol.",
    ),
    (
        "team",
        ArticleKind.FAQ,
        "who-can-enroll",
        "Who can enroll?",
        "Adults (18 or older) living in the continental US, Alaska or Hawaii.",
        "¿Quién puede inscribirse?",
        "Adultos (18 años o más) que vivan en los Estados Unidos continentales, "
        "Alaska o Hawái.",
    ),
    (
        "orders",
        ArticleKind.FAQ,
        "order-not-arrived",
        "My order has not arrived",
        "Check the tracking number on the order's page first. If it shows "
        "delivered and you have nothing, open a ticket with the order number.",
        "Mi pedido no ha llegado",
        "Revisa primero el número de rastreo en la página del pedido. Si aparece "
        "entregado y no tienes nada, abre un ticket con el número de pedido.",
    ),
]

CANNED = [
    (
        "Thanks, looking into it",
        "Thanks for writing to us. We are looking into it and will get back to "
        "you here as soon as we know more.",
        "Gracias por escribirnos. Lo estamos revisando y te responderemos aquí en "
        "cuanto sepamos más.",
    ),
    (
        "Need the order number",
        "Could you send us the order number (it starts with GX-)? You find it on "
        "your Orders page.",
        "¿Nos envías el número de pedido (empieza con GX-)? Lo encuentras en tu "
        "página de Pedidos.",
    ),
    (
        "Resolved, closing",
        "Glad this is sorted. We are closing the ticket; you can reopen it within "
        "30 days if anything is still missing.",
        "Qué bueno que se resolvió. Cerramos el ticket; puedes reabrirlo dentro de "
        "30 días si falta algo.",
    ),
]

TICKETS = [
    (
        TicketCategory.COMMISSIONS,
        "When is this week's cycle paid?",
        "Hi, I see commissions for last week. When do they reach my bank?",
        "Each weekly cycle is paid on the Friday two weeks after its Sunday.",
        TicketStatus.CLOSED,
    ),
    (
        TicketCategory.ORDERS,
        "Box arrived damaged",
        "One jar of coffee was broken when the box arrived. Photo to follow.",
        "Sorry about that! Could you send us the order number?",
        TicketStatus.WAITING,
    ),
    (
        TicketCategory.AUTOSHIP,
        "Move my autoship to the 15th",
        "Can my autoship run on the 15th instead of the 1st?",
        "",
        TicketStatus.OPEN,
    ),
]


def seed(*, rng: random.Random, distributors: int, months: int) -> dict[str, int]:
    # A copy of the generator: support data never shifts what later seeders draw.
    local = random.Random()
    local.setstate(rng.getstate())
    categories = {
        slug: HelpCategory.objects.create(
            slug=slug, name_en=english, name_es=spanish, position=position
        )
        for position, (slug, english, spanish) in enumerate(CATEGORIES)
    }
    Article.objects.bulk_create(
        Article(
            category=categories[category],
            kind=kind,
            slug=slug,
            title_en=title_en,
            body_en=body_en,
            title_es=title_es,
            body_es=body_es,
            position=position,
            is_published=True,
        )
        for position, (
            category,
            kind,
            slug,
            title_en,
            body_en,
            title_es,
            body_es,
        ) in enumerate(ENTRIES)
    )
    CannedReply.objects.bulk_create(
        CannedReply(title=title, body_en=english, body_es=spanish)
        for title, english, spanish in CANNED
    )
    staff = User.objects.filter(username="staff").first()
    members = list(
        Distributor.objects.select_related("user").order_by("distributor_id")[:3]
    )
    now = timezone.now()
    tickets = 0
    for member, (category, subject, question, answer, status) in zip(
        members, TICKETS, strict=False
    ):
        opened = now - timedelta(days=local.randint(2, 20), hours=local.randint(0, 8))
        answered = opened + timedelta(hours=local.randint(1, 30), minutes=15)
        closed = (
            answered + timedelta(hours=2) if status == TicketStatus.CLOSED else None
        )
        ticket = Ticket.objects.create(
            distributor=member,
            category=category,
            subject=subject,
            status=status,
            assigned_to=staff if answer else None,
            created_at=opened,
            last_activity_at=closed or (answered if answer else opened),
            first_response_at=answered if answer and staff else None,
            closed_at=closed,
        )
        TicketMessage.objects.create(
            ticket=ticket,
            author=member.user,
            kind=MessageKind.MESSAGE,
            body=question,
            created_at=opened,
        )
        TicketEvent.objects.create(
            ticket=ticket,
            actor=member.user,
            kind=TicketEvent.Kind.OPENED,
            to_status="open",
            created_at=opened,
        )
        if answer and staff:
            TicketMessage.objects.create(
                ticket=ticket,
                author=staff,
                kind=MessageKind.REPLY,
                body=answer,
                created_at=answered,
            )
            TicketEvent.objects.create(
                ticket=ticket,
                actor=staff,
                kind=TicketEvent.Kind.REPLIED,
                from_status="open",
                to_status="waiting",
                created_at=answered,
            )
        if closed and staff:
            TicketEvent.objects.create(
                ticket=ticket,
                actor=staff,
                kind=TicketEvent.Kind.CLOSED,
                from_status="waiting",
                to_status="closed",
                created_at=closed,
            )
        tickets += 1
    return {
        "help articles": len(ENTRIES),
        "canned replies": len(CANNED),
        "support tickets": tickets,
    }
