"""Marketing materials: what staff publish and distributors find, preview and share."""

from __future__ import annotations

import secrets
from datetime import datetime

from django.conf import settings
from django.core.files.storage import storages
from django.db import connection, models
from django.db.models import Case, Count, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def library_storage():
    # Its own storage, never under MEDIA_URL: files go out only through the
    # access-checked views.
    return storages["library"]


def new_share_token() -> str:
    return secrets.token_urlsafe(18)


class Category(models.Model):
    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent category"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        constraints = [
            models.UniqueConstraint(
                fields=["parent", "name"], name="library_category_unique_name"
            )
        ]

    def __str__(self) -> str:
        return f"{self.parent.name} › {self.name}" if self.parent_id else self.name

    def family_ids(self) -> list[int]:
        """This category and its sub-categories (one level, as staff use them)."""
        return [self.pk, *self.children.values_list("pk", flat=True)]


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=50, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self) -> str:
        return self.name


class Kind(models.TextChoices):
    BROCHURE = "brochure", _("Brochure")
    FLYER = "flyer", _("Flyer")
    SOCIAL = "social", _("Social media graphic")
    PRESENTATION = "presentation", _("Presentation")
    VIDEO = "video", _("Video")
    DOCUMENT = "document", _("Document")


class Language(models.TextChoices):
    ENGLISH = "en", _("English")
    SPANISH = "es", _("Spanish")


class FileType(models.TextChoices):
    """What the stored file really is (checked by content at upload)."""

    NONE = "", _("No file")
    PDF = "pdf", "PDF"
    PNG = "png", "PNG"
    JPEG = "jpeg", "JPEG"
    MP4 = "mp4", "MP4"
    MOV = "mov", "QuickTime"
    WEBM = "webm", "WebM"


CONTENT_TYPES = {
    FileType.PDF: "application/pdf",
    FileType.PNG: "image/png",
    FileType.JPEG: "image/jpeg",
    FileType.MP4: "video/mp4",
    FileType.MOV: "video/quicktime",
    FileType.WEBM: "video/webm",
}
EXTENSIONS = {
    FileType.PDF: "pdf",
    FileType.PNG: "png",
    FileType.JPEG: "jpg",
    FileType.MP4: "mp4",
    FileType.MOV: "mov",
    FileType.WEBM: "webm",
}


class ThumbnailStatus(models.TextChoices):
    NONE = "none", _("No thumbnail")
    PENDING = "pending", _("Pending")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


class FileStatus(models.TextChoices):
    """Where an uploaded file is in its checks (the full ones run in the background)."""

    PROCESSING = "processing", _("Processing")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


class Sort(models.TextChoices):
    RELEVANCE = "relevance", _("Best match")
    NEWEST = "newest", _("Newest")
    DOWNLOADS = "downloads", _("Most downloaded")


class MaterialQuerySet(models.QuerySet["Material"]):
    def visible(self, now: datetime | None = None) -> MaterialQuerySet:
        """Published, not expired and its file checked: what distributors may see.

        A file still processing or refused keeps the material hidden, unless it
        has no file at all and is only a video link.
        """
        now = now or timezone.now()
        return (
            self.filter(publish_at__isnull=False, publish_at__lte=now)
            .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
            .filter(Q(file_status=FileStatus.READY) | (Q(file="") & ~Q(video_url="")))
        )

    def shareable(self) -> MaterialQuerySet:
        return self.filter(is_shareable=True)

    def in_category(self, category: Category) -> MaterialQuerySet:
        return self.filter(category_id__in=category.family_ids())

    def of_kind(self, kind: str) -> MaterialQuerySet:
        return self.filter(kind=kind)

    def in_language(self, language: str) -> MaterialQuerySet:
        return self.filter(language=language)

    def for_product(self, product_id: int) -> MaterialQuerySet:
        return self.filter(products__pk=product_id)

    def published_since(self, moment: datetime | None) -> MaterialQuerySet:
        if moment is None:
            return self
        return self.filter(publish_at__gt=moment)

    def favourites_of(self, user) -> MaterialQuerySet:
        return self.filter(favourites__user=user)

    def search(self, text: str) -> MaterialQuerySet:
        """Full-text search on PostgreSQL, a word-by-word icontains on SQLite."""
        text = " ".join(text.split())[:200]
        if not text:
            return self
        if connection.vendor == "postgresql":
            from django.contrib.postgres.search import (
                SearchQuery,
                SearchRank,
                SearchVector,
            )

            vector = (
                SearchVector("title", weight="A", config="english")
                + SearchVector("description", weight="B", config="english")
                + SearchVector("tags__name", weight="B", config="english")
            )
            query = SearchQuery(text, search_type="websearch", config="english")
            matching = (
                self.model.objects.annotate(document=vector)
                .filter(document=query)
                .values("pk")
            )
            return self.filter(pk__in=matching).annotate(
                rank=SearchRank(
                    SearchVector("title", weight="A", config="english")
                    + SearchVector("description", weight="B", config="english"),
                    query,
                )
            )
        matches = Q()
        for word in text.split()[:8]:
            matches &= (
                Q(title__icontains=word)
                | Q(description__icontains=word)
                | Q(tags__name__icontains=word)
            )
        # A title match ranks above a match in the description or tags only.
        return self.filter(
            pk__in=self.model.objects.filter(matches).values("pk")
        ).annotate(
            rank=Case(
                When(title__icontains=text, then=Value(1.0)),
                default=Value(0.5),
                output_field=models.FloatField(),
            )
        )

    def sorted_by(self, sort: str) -> MaterialQuerySet:
        """Order by ``sort``; best match needs ``search()`` first, else newest."""
        if sort == Sort.RELEVANCE and "rank" in self.query.annotations:
            return self.order_by("-rank", "-publish_at", "-pk")
        if sort == Sort.DOWNLOADS:
            return self.order_by("-download_count", "-publish_at", "-pk")
        return self.order_by("-publish_at", "-pk")

    def with_favourite_for(self, user) -> MaterialQuerySet:
        return self.annotate(
            favourite_count=Count("favourites", filter=Q(favourites__user=user))
        )


class Material(models.Model):
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(_("type"), max_length=20, choices=Kind)
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        on_delete=models.PROTECT,
        related_name="materials",
    )
    tags = models.ManyToManyField(
        Tag, verbose_name=_("tags"), blank=True, related_name="materials"
    )
    language = models.CharField(
        _("language"), max_length=2, choices=Language, default=Language.ENGLISH
    )
    products = models.ManyToManyField(
        "shop.Product",
        verbose_name=_("products"),
        blank=True,
        related_name="materials",
    )
    file = models.FileField(
        _("file"),
        storage=library_storage,
        upload_to="materials/%Y/%m/",
        blank=True,
        max_length=255,
    )
    file_type = models.CharField(
        _("file type"), max_length=10, choices=FileType, blank=True, editable=False
    )
    file_size = models.PositiveBigIntegerField(
        _("file size (bytes)"), default=0, editable=False
    )
    thumbnail = models.FileField(
        _("thumbnail"),
        storage=library_storage,
        upload_to="thumbnails/%Y/%m/",
        blank=True,
        editable=False,
        max_length=255,
    )
    thumbnail_status = models.CharField(
        _("thumbnail"),
        max_length=10,
        choices=ThumbnailStatus,
        default=ThumbnailStatus.NONE,
        editable=False,
    )
    file_status = models.CharField(
        _("file status"),
        max_length=10,
        choices=FileStatus,
        default=FileStatus.READY,
        editable=False,
    )
    processing_error = models.TextField(
        _("processing error"), blank=True, editable=False
    )
    video_url = models.URLField(
        _("video link"),
        blank=True,
        help_text=_("Instead of a file: a link to the video (YouTube, Vimeo…)."),
    )
    publish_at = models.DateTimeField(
        _("publish at"),
        null=True,
        blank=True,
        help_text=_("Leave empty to keep it as a draft."),
    )
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    compliance_note = models.TextField(
        _("compliance note"),
        blank=True,
        help_text=_("The approved claim or disclaimer that must go with it."),
    )
    is_shareable = models.BooleanField(_("shareable"), default=False)
    is_personalisable = models.BooleanField(_("personalisable"), default=False)
    share_token = models.CharField(
        max_length=40, unique=True, default=new_share_token, editable=False
    )
    download_count = models.PositiveIntegerField(
        _("downloads"), default=0, editable=False
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = MaterialQuerySet.as_manager()

    class Meta:
        ordering = ["-publish_at", "-pk"]
        verbose_name = _("material")
        verbose_name_plural = _("materials")
        indexes = [models.Index(fields=["publish_at", "expires_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__isnull=True)
                | Q(publish_at__isnull=True)
                | Q(expires_at__gt=models.F("publish_at")),
                name="library_material_expires_after_publish",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def is_visible(self, now: datetime | None = None) -> bool:
        now = now or timezone.now()
        return (
            self.publish_at is not None
            and self.publish_at <= now
            and (self.expires_at is None or self.expires_at > now)
            and (
                self.file_status == FileStatus.READY
                or (not self.file and bool(self.video_url))
            )
        )

    @property
    def is_image(self) -> bool:
        return self.file_type in (FileType.PNG, FileType.JPEG)

    @property
    def is_pdf(self) -> bool:
        return self.file_type == FileType.PDF

    @property
    def is_video_file(self) -> bool:
        return self.file_type in (FileType.MP4, FileType.MOV, FileType.WEBM)

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES.get(self.file_type, "application/octet-stream")

    @property
    def can_personalise(self) -> bool:
        return self.is_personalisable and (self.is_pdf or self.is_image)

    def download_name(self) -> str:
        from django.utils.text import slugify

        stem = slugify(self.title)[:80] or "material"
        return f"{stem}.{EXTENSIONS.get(self.file_type, 'bin')}"

    def share_caption(self, link: str) -> str:
        parts = [self.title]
        if self.description:
            parts.append(self.description)
        parts.append(link)
        if self.compliance_note:
            parts.append(self.compliance_note)
        return "\n\n".join(parts)


class Favourite(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    material = models.ForeignKey(
        Material, on_delete=models.CASCADE, related_name="favourites"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("favourite")
        verbose_name_plural = _("favourites")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "material"], name="library_favourite_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} ★ {self.material_id}"


class Download(models.Model):
    """One download, for the counts and "most downloaded" (append-only)."""

    class Variant(models.TextChoices):
        ORIGINAL = "original", _("Original")
        PDF = "pdf", _("Personalised PDF")
        PNG = "png", _("Personalised PNG")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    material = models.ForeignKey(
        Material, on_delete=models.CASCADE, related_name="downloads"
    )
    variant = models.CharField(max_length=10, choices=Variant, default=Variant.ORIGINAL)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("download")
        verbose_name_plural = _("downloads")

    def __str__(self) -> str:
        return f"{self.material_id} ({self.variant}) {self.created_at:%Y-%m-%d}"


class LibraryVisit(models.Model):
    """When each user last opened the library, for "new since my last visit"."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    # The visit before the current one is what "new since" compares to.
    previous_at = models.DateTimeField(null=True, blank=True)
    last_at = models.DateTimeField()

    class Meta:
        verbose_name = _("library visit")
        verbose_name_plural = _("library visits")

    def __str__(self) -> str:
        return f"{self.user_id} {self.last_at:%Y-%m-%d %H:%M}"
