"""Help center (categories, articles, FAQ), canned replies, and support tickets."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backoffice.lib.append_only import AppendOnlyModel

SUBJECT_MAX = 150
BODY_MAX = 5000
FILENAME_MAX = 150
_CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_ticket_code() -> str:
    """10 random characters (50 bits): not guessable, easy to read out on the phone."""
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(10))


def new_file_token() -> str:
    return secrets.token_urlsafe(18)


def support_storage():
    # Private storage (settings.STORAGES["support"]): never under a served URL.
    return storages["support"]


def is_spanish(language: str | None) -> bool:
    return bool(language) and language.startswith("es")


# --- help center -----------------------------------------------------------


class HelpCategoryQuerySet(models.QuerySet):
    def published(self) -> HelpCategoryQuerySet:
        return self.filter(is_published=True)


class HelpCategory(models.Model):
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=100)
    name_es = models.CharField(_("name (Spanish)"), max_length=100, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_published = models.BooleanField(_("published"), default=True)

    objects = HelpCategoryQuerySet.as_manager()

    class Meta:
        ordering = ("position", "name_en")
        verbose_name = _("help category")
        verbose_name_plural = _("help categories")

    def __str__(self) -> str:
        return self.name_en

    def name_in(self, language: str | None) -> str:
        return self.name_es if is_spanish(language) and self.name_es else self.name_en


class ArticleKind(models.TextChoices):
    ARTICLE = "article", _("Article")
    FAQ = "faq", _("Frequently asked question")


class ArticleQuerySet(models.QuerySet):
    def published(self) -> ArticleQuerySet:
        return self.filter(is_published=True, category__is_published=True)

    def articles(self) -> ArticleQuerySet:
        return self.filter(kind=ArticleKind.ARTICLE)

    def faq(self) -> ArticleQuerySet:
        return self.filter(kind=ArticleKind.FAQ)

    def search(self, query: str, language: str | None) -> ArticleQuerySet:
        """Title or body containing ``query`` in the text the viewer is shown.

        A plain case-insensitive substring match (icontains): enough for a help
        center of some hundred entries. Spanish readers see the English text of an
        entry without a Spanish translation, so that text is what they search.
        """
        query = query.strip()
        if not query:
            return self.none()
        english = Q(title_en__icontains=query) | Q(body_en__icontains=query)
        if not is_spanish(language):
            return self.filter(english)
        spanish = Q(title_es__icontains=query) | Q(body_es__icontains=query)
        return self.filter(spanish | (Q(title_es="") & english))


class Article(models.Model):
    category = models.ForeignKey(
        HelpCategory,
        on_delete=models.PROTECT,
        related_name="articles",
        verbose_name=_("category"),
    )
    kind = models.CharField(
        _("kind"), max_length=10, choices=ArticleKind, default=ArticleKind.ARTICLE
    )
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    title_en = models.CharField(_("title (English)"), max_length=200)
    title_es = models.CharField(
        _("title (Spanish)"),
        max_length=200,
        blank=True,
        help_text=_("Leave empty to show the English text to Spanish readers."),
    )
    body_en = models.TextField(
        _("text (English)"),
        help_text=_("Plain text; an empty line starts a new paragraph."),
    )
    body_es = models.TextField(_("text (Spanish)"), blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_published = models.BooleanField(_("published"), default=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ("category__position", "position", "title_en")
        verbose_name = _("help article")
        verbose_name_plural = _("help articles")

    def __str__(self) -> str:
        return self.title_en

    def _uses_spanish(self, language: str | None) -> bool:
        # Title and text switch together: never a Spanish title over English text.
        return is_spanish(language) and bool(self.title_es and self.body_es)

    def title_in(self, language: str | None) -> str:
        return self.title_es if self._uses_spanish(language) else self.title_en

    def body_in(self, language: str | None) -> str:
        return self.body_es if self._uses_spanish(language) else self.body_en


class CannedReply(models.Model):
    title = models.CharField(_("title"), max_length=100, unique=True)
    body_en = models.TextField(_("text (English)"), max_length=BODY_MAX)
    body_es = models.TextField(_("text (Spanish)"), max_length=BODY_MAX, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ("title",)
        verbose_name = _("canned reply")
        verbose_name_plural = _("canned replies")

    def __str__(self) -> str:
        return self.title

    def body_in(self, language: str | None) -> str:
        return self.body_es if is_spanish(language) and self.body_es else self.body_en


# --- tickets ---------------------------------------------------------------


class TicketCategory(models.TextChoices):
    ORDERS = "orders", _("Orders and shipping")
    AUTOSHIP = "autoship", _("Autoship")
    COMMISSIONS = "commissions", _("Commissions and payouts")
    TEAM = "team", _("Team and placement")
    ACCOUNT = "account", _("Account and profile")
    OTHER = "other", _("Something else")


class TicketStatus(models.TextChoices):
    OPEN = "open", _("Open")
    WAITING = "waiting", _("Waiting on you")
    CLOSED = "closed", _("Closed")


# Staff see "waiting" as waiting on the distributor.
STAFF_STATUS_LABELS = {
    TicketStatus.OPEN: _("Open (our turn)"),
    TicketStatus.WAITING: _("Waiting on the distributor"),
    TicketStatus.CLOSED: _("Closed"),
}

TICKET_TRANSITIONS: dict[str, frozenset[str]] = {
    TicketStatus.OPEN: frozenset({TicketStatus.WAITING, TicketStatus.CLOSED}),
    TicketStatus.WAITING: frozenset({TicketStatus.OPEN, TicketStatus.CLOSED}),
    TicketStatus.CLOSED: frozenset({TicketStatus.OPEN}),
}


class TicketQuerySet(models.QuerySet):
    def for_distributor(self, distributor) -> TicketQuerySet:
        return self.filter(distributor=distributor)

    def with_status(self, status: str) -> TicketQuerySet:
        return self.filter(status=status)

    def not_closed(self) -> TicketQuerySet:
        return self.exclude(status=TicketStatus.CLOSED)

    def waiting_on_owner(self) -> TicketQuerySet:
        return self.filter(status=TicketStatus.WAITING)

    def unassigned(self) -> TicketQuerySet:
        return self.filter(assigned_to__isnull=True)

    def assigned_to(self, user) -> TicketQuerySet:
        return self.filter(assigned_to=user)

    def in_category(self, category: str) -> TicketQuerySet:
        return self.filter(category=category)

    def matching(self, query: str) -> TicketQuerySet:
        """Code, subject or the distributor's ID (an exact ID or a code prefix)."""
        query = query.strip()
        if not query:
            return self
        condition = Q(subject__icontains=query) | Q(code__startswith=query.upper())
        if query.isdigit():
            condition |= Q(distributor__distributor_id=int(query))
        return self.filter(condition)

    def newest_activity_first(self) -> TicketQuerySet:
        return self.order_by("-last_activity_at", "-pk")

    def response_figures(self) -> dict[str, timedelta | int | None]:
        """Average first-response and resolution times over these tickets.

        Computed from the two timestamps of each ticket (exact on every database);
        resolution counts closed tickets only.
        """
        responses: list[timedelta] = []
        resolutions: list[timedelta] = []
        for created, responded, closed in self.values_list(
            "created_at", "first_response_at", "closed_at"
        ).order_by():
            if responded is not None:
                responses.append(responded - created)
            if closed is not None:
                resolutions.append(closed - created)
        return {
            "responded": len(responses),
            "resolved": len(resolutions),
            "average_first_response": _average(responses),
            "average_resolution": _average(resolutions),
        }


def _average(durations: list[timedelta]) -> timedelta | None:
    if not durations:
        return None
    total = sum(durations, timedelta())
    # Whole seconds: enough precision for a support figure, and exact to compare.
    return timedelta(seconds=round(total.total_seconds() / len(durations)))


class Ticket(models.Model):
    code = models.CharField(
        _("ticket code"), max_length=10, unique=True, default=new_ticket_code
    )
    distributor = models.ForeignKey(
        "network.Distributor",
        on_delete=models.PROTECT,
        related_name="tickets",
        verbose_name=_("distributor"),
    )
    category = models.CharField(_("topic"), max_length=20, choices=TicketCategory)
    subject = models.CharField(_("subject"), max_length=SUBJECT_MAX)
    status = models.CharField(
        _("status"), max_length=10, choices=TicketStatus, default=TicketStatus.OPEN
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_tickets",
        verbose_name=_("assigned to"),
    )
    created_at = models.DateTimeField(_("opened"), default=timezone.now)
    last_activity_at = models.DateTimeField(_("last activity"), default=timezone.now)
    first_response_at = models.DateTimeField(_("first response"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    objects = TicketQuerySet.as_manager()

    class Meta:
        ordering = ("-last_activity_at", "-pk")
        verbose_name = _("support ticket")
        verbose_name_plural = _("support tickets")
        indexes = [models.Index(fields=["status", "last_activity_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(status=TicketStatus.CLOSED, closed_at__isnull=False)
                | (~Q(status=TicketStatus.CLOSED) & Q(closed_at__isnull=True)),
                name="support_ticket_closed_at_matches_status",
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.subject}"

    def can_become(self, status: str) -> bool:
        return status in TICKET_TRANSITIONS[self.status]

    @property
    def is_closed(self) -> bool:
        return self.status == TicketStatus.CLOSED

    @property
    def staff_status_label(self) -> str:
        return str(STAFF_STATUS_LABELS[TicketStatus(self.status)])

    def reopen_deadline(self):
        if self.closed_at is None:
            return None
        return self.closed_at + timedelta(days=settings.SUPPORT_REOPEN_DAYS)

    def can_reopen_now(self) -> bool:
        deadline = self.reopen_deadline()
        return self.is_closed and deadline is not None and timezone.now() <= deadline

    @property
    def first_response_time(self) -> timedelta | None:
        if self.first_response_at is None:
            return None
        return self.first_response_at - self.created_at

    @property
    def resolution_time(self) -> timedelta | None:
        if self.closed_at is None:
            return None
        return self.closed_at - self.created_at


class MessageKind(models.TextChoices):
    MESSAGE = "message", _("From the distributor")
    REPLY = "reply", _("Reply from support")
    NOTE = "note", _("Internal note")


class TicketMessageQuerySet(models.QuerySet):
    def visible_to_owner(self) -> TicketMessageQuerySet:
        return self.exclude(kind=MessageKind.NOTE)

    def in_order(self) -> TicketMessageQuerySet:
        return self.order_by("created_at", "pk")


class TicketMessage(models.Model):
    """One entry of a ticket's thread; never edited (a correction is a new reply)."""

    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="messages"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="support_messages",
    )
    kind = models.CharField(max_length=10, choices=MessageKind)
    body = models.TextField(max_length=BODY_MAX)
    created_at = models.DateTimeField(default=timezone.now)

    objects = TicketMessageQuerySet.as_manager()

    class Meta:
        ordering = ("created_at", "pk")
        verbose_name = _("ticket message")
        verbose_name_plural = _("ticket messages")

    def __str__(self) -> str:
        return f"{self.ticket.code} {self.get_kind_display()}"

    @property
    def is_note(self) -> bool:
        return self.kind == MessageKind.NOTE

    @property
    def is_from_staff(self) -> bool:
        return self.kind != MessageKind.MESSAGE


class Attachment(models.Model):
    """A checked upload, kept in private storage under a random name."""

    message = models.ForeignKey(
        TicketMessage, on_delete=models.CASCADE, related_name="attachments"
    )
    token = models.CharField(max_length=32, unique=True, default=new_file_token)
    file = models.FileField(storage=support_storage, max_length=200)
    filename = models.CharField(_("file name"), max_length=FILENAME_MAX)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("pk",)
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.filename

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class TicketEvent(AppendOnlyModel):
    """The audit trail of a ticket: who did what, and when."""

    class Kind(models.TextChoices):
        OPENED = "opened", _("Opened")
        MESSAGE = "message", _("Distributor wrote")
        REPLIED = "replied", _("Support replied")
        NOTE = "note", _("Internal note added")
        ASSIGNED = "assigned", _("Assigned")
        STATUS = "status", _("Status changed")
        CLOSED = "closed", _("Closed")
        REOPENED = "reopened", _("Reopened")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="support_events",
    )
    kind = models.CharField(max_length=20, choices=Kind)
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("created_at", "pk")
        verbose_name = _("ticket event")
        verbose_name_plural = _("ticket events")

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind}"
