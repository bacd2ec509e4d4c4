"""The library's pages: browse, preview, download, personalise, share."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST, require_safe
from django.views.decorators.vary import vary_on_headers

from backoffice.lib.http import ranged_file_response
from backoffice.library import actions, flyers
from backoffice.library.access import get_material_for_viewer, get_shared_material
from backoffice.library.forms import LibraryFilterForm, PersonaliseForm
from backoffice.library.models import (
    Category,
    Download,
    LibraryVisit,
    Material,
    ThumbnailStatus,
)
from backoffice.network.access import get_viewer
from backoffice.shop.models import Product

PAGE_SIZE = 24
# What a browser may do with a file we send: nothing but show it.
ATTACHMENT_CSP = "default-src 'none'; sandbox"
INLINE_MEDIA_CSP = (
    "default-src 'none'; img-src 'self'; media-src 'self'; "
    "style-src 'unsafe-inline'; frame-ancestors 'self'; sandbox"
)
# Chrome's PDF viewer refuses sandboxed documents; the file is a checked PDF and
# the policy still allows no script, connection or plugin of its own.
INLINE_PDF_CSP = "default-src 'none'; frame-ancestors 'self'"


def wants_partial(request: HttpRequest) -> bool:
    return bool(request.htmx) and not request.htmx.history_restore_request


def _distributor_only(request: HttpRequest) -> None:
    if not request.user.is_distributor:
        raise Http404


def _file_response(
    material: Material,
    field: str,
    *,
    as_attachment: bool,
    filename: str = "",
    request: HttpRequest | None = None,
) -> HttpResponseBase:
    """The stored file with our safety headers; byte ranges when given ``request``."""
    stored = getattr(material, field)
    if not stored:
        raise Http404
    try:
        handle = stored.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    content_type = material.content_type if field == "file" else "image/jpeg"
    if request is not None:
        response: HttpResponseBase = ranged_file_response(
            request,
            handle,
            size=stored.size,
            content_type=content_type,
            filename=filename or material.download_name(),
            as_attachment=as_attachment,
        )
    else:
        response = FileResponse(
            handle,
            as_attachment=as_attachment,
            filename=filename or material.download_name(),
            content_type=content_type,
        )
    return _safe(
        response,
        inline_pdf=not as_attachment and material.is_pdf and field == "file",
        as_attachment=as_attachment,
    )


def _safe(
    response: HttpResponseBase, *, inline_pdf: bool = False, as_attachment: bool = True
) -> HttpResponseBase:
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=0, no-store"
    if as_attachment:
        response["Content-Security-Policy"] = ATTACHMENT_CSP
    elif inline_pdf:
        response["Content-Security-Policy"] = INLINE_PDF_CSP
    else:
        response["Content-Security-Policy"] = INLINE_MEDIA_CSP
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


@login_required
@require_safe
@vary_on_headers("HX-Request")
def index(request: HttpRequest) -> HttpResponse:
    _distributor_only(request)
    user = request.user
    previous_visit = (
        actions.record_visit(user=user)
        if not wants_partial(request)
        else LibraryVisit.objects.filter(user=user)
        .values_list("previous_at", flat=True)
        .first()
    )
    categories = list(Category.objects.select_related("parent"))
    products = (
        Product.objects.filter(materials__isnull=False).distinct().order_by("name_en")
    )
    form = LibraryFilterForm(request.GET, categories=categories, products=products)
    criteria = form.criteria()
    materials = (
        Material.objects.visible().select_related("category").search(criteria.text)
    )
    if criteria.category:
        materials = materials.in_category(criteria.category)
    if criteria.kind:
        materials = materials.of_kind(criteria.kind)
    if criteria.language:
        materials = materials.in_language(criteria.language)
    if criteria.product:
        materials = materials.for_product(criteria.product)
    if criteria.is_new:
        materials = materials.published_since(previous_visit)
    if criteria.is_favourite:
        materials = materials.favourites_of(user)
    materials = materials.with_favourite_for(user).sorted_by(criteria.sort)
    page = Paginator(materials, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "criteria": criteria,
        "query": query.urlencode(),
        "top_categories": [c for c in categories if c.parent_id is None],
        "previous_visit": previous_visit,
    }
    if wants_partial(request):
        return render(request, "library/index.html#results", context)
    return render(request, "library/index.html", context)


@login_required
@require_safe
def detail(request: HttpRequest, material_id: int) -> HttpResponse:
    material = get_material_for_viewer(request.user, material_id)
    share_link = caption = ""
    if material.is_shareable:
        share_link = request.build_absolute_uri(
            reverse("library-public:share", args=[material.share_token])
        )
        caption = material.share_caption(share_link)
    context = {
        "material": material,
        "tags": list(material.tags.all()),
        "products": list(material.products.all()),
        "is_favourite": material.favourites.filter(user=request.user).exists(),
        "share_link": share_link,
        "caption": caption,
    }
    return render(request, "library/detail.html", context)


@login_required
@require_safe
def download(request: HttpRequest, material_id: int) -> FileResponse:
    material = get_material_for_viewer(request.user, material_id)
    response = _file_response(material, "file", as_attachment=True)
    actions.record_download(user=request.user, material=material)
    return response


@login_required
@require_safe
@xframe_options_sameorigin
def inline(request: HttpRequest, material_id: int) -> HttpResponseBase:
    """The file itself for the in-page viewer (images, PDFs, videos), in ranges."""
    material = get_material_for_viewer(request.user, material_id)
    if not (material.is_image or material.is_pdf or material.is_video_file):
        raise Http404
    return _file_response(material, "file", as_attachment=False, request=request)


@login_required
@require_safe
def thumbnail(request: HttpRequest, material_id: int) -> FileResponse:
    material = get_material_for_viewer(request.user, material_id)
    if material.thumbnail_status != ThumbnailStatus.READY:
        raise Http404
    return _file_response(material, "thumbnail", as_attachment=False)


@login_required
@require_POST
def favourite(request: HttpRequest, material_id: int) -> HttpResponse:
    material = get_material_for_viewer(request.user, material_id)
    is_favourite = actions.toggle_favourite(user=request.user, material=material)
    if request.htmx:
        return render(
            request,
            "library/_favourite.html",
            {"material": material, "is_favourite": is_favourite},
        )
    return redirect(
        request.POST.get("next")
        if (request.POST.get("next") or "").startswith("/library/")
        else reverse("library:detail", args=[material.pk])
    )


@login_required
def personalise(request: HttpRequest, material_id: int) -> HttpResponse:
    material = get_material_for_viewer(request.user, material_id)
    if not material.can_personalise:
        raise Http404
    viewer = get_viewer(request.user)
    form = PersonaliseForm(
        request.POST or None,
        phone=viewer.phone,
        email=request.user.email,
        initial={"name": request.user.get_full_name()},
    )
    if request.method == "POST" and form.is_valid():
        link = settings.SITE_URL.rstrip("/") + reverse(
            "storefront:home", args=[viewer.distributor_id]
        )
        stamp = flyers.Stamp(
            name=form.cleaned_data["name"], contact=form.contact_text(), link=link
        )
        kind = form.cleaned_data["format"]
        if kind == "png":
            data, content_type = flyers.personalised_png(material, stamp), "image/png"
            variant = Download.Variant.PNG
        else:
            data, content_type = (
                flyers.personalised_pdf(material, stamp),
                "application/pdf",
            )
            variant = Download.Variant.PDF
        actions.record_download(user=request.user, material=material, variant=variant)
        filename = (
            f"{slugify(material.title)[:60] or 'flyer'}-{viewer.distributor_id}.{kind}"
        )
        response = HttpResponse(data, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return _safe(response)
    return render(
        request, "library/personalise.html", {"material": material, "form": form}
    )


# --- public share page (no sign-in) -------------------------------------------------


@require_safe
def share(request: HttpRequest, token: str) -> HttpResponse:
    material = get_shared_material(token)
    response = render(request, "library/share.html", {"material": material})
    response["X-Robots-Tag"] = "noindex"
    return response


@require_safe
def share_thumbnail(request: HttpRequest, token: str) -> FileResponse:
    material = get_shared_material(token)
    if material.thumbnail_status != ThumbnailStatus.READY:
        raise Http404
    return _file_response(material, "thumbnail", as_attachment=False)
