"""Training pages: courses, lessons and quizzes, certificates, webinars, the team."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe
from django.views.decorators.vary import vary_on_headers

from backoffice.lib.http import ranged_file_response
from backoffice.library.training import actions
from backoffice.library.training.access import (
    get_course_for_viewer,
    get_enrollee_for_viewer,
    get_learner,
    get_lesson_for_viewer,
    get_webinar_for_viewer,
)
from backoffice.library.training.certificates import certificate_pdf
from backoffice.library.training.forms import QuizForm
from backoffice.library.training.ics import webinar_calendar
from backoffice.library.training.models import (
    Course,
    Lesson,
    LessonProgress,
    Webinar,
    WebinarRegistration,
)
from backoffice.library.training.reads import (
    course_status,
    course_statuses,
    path_status,
    team_path_progress,
)

# What a browser may do with a file we send: nothing but show it.
ATTACHMENT_CSP = "default-src 'none'; sandbox"
INLINE_MEDIA_CSP = (
    "default-src 'none'; media-src 'self'; frame-ancestors 'self'; sandbox"
)
# Chrome's PDF viewer refuses sandboxed documents; the file is a checked PDF.
INLINE_PDF_CSP = "default-src 'none'; frame-ancestors 'self'"


def _safe(
    response: HttpResponseBase, *, policy: str = ATTACHMENT_CSP
) -> HttpResponseBase:
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=0, no-store"
    response["Content-Security-Policy"] = policy
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


def _stored_file_response(
    request: HttpRequest,
    stored,
    *,
    content_type: str,
    filename: str,
    as_attachment: bool,
    is_pdf: bool,
) -> HttpResponseBase:
    """The stored file with our safety headers; inline ones honour byte ranges."""
    if not stored:
        raise Http404
    try:
        handle = stored.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    if as_attachment:
        response: HttpResponseBase = FileResponse(
            handle,
            as_attachment=True,
            filename=filename,
            content_type=content_type,
        )
    else:
        response = ranged_file_response(
            request,
            handle,
            size=stored.size,
            content_type=content_type,
            filename=filename,
        )
    if as_attachment:
        policy = ATTACHMENT_CSP
    else:
        policy = INLINE_PDF_CSP if is_pdf else INLINE_MEDIA_CSP
    return _safe(response, policy=policy)


def wants_partial(request: HttpRequest) -> bool:
    return bool(request.htmx) and not request.htmx.history_restore_request


@login_required
@require_safe
def index(request: HttpRequest) -> HttpResponse:
    learner = get_learner(request.user)
    now = timezone.now()
    webinars = list(Webinar.objects.upcoming(now)[:5])
    registered = set(
        WebinarRegistration.objects.filter(
            distributor=learner, webinar__in=webinars
        ).values_list("webinar_id", flat=True)
    )
    return render(
        request,
        "training/index.html",
        {
            "statuses": course_statuses(learner, Course.objects.published()),
            "path": path_status(learner),
            "webinars": webinars,
            "registered": registered,
            "has_enrollees": learner.enrollees.exists(),
        },
    )


@login_required
@require_safe
def course(request: HttpRequest, course_slug: str) -> HttpResponse:
    course = get_course_for_viewer(request.user, course_slug)
    learner = get_learner(request.user)
    lessons = list(course.lessons.select_related("quiz"))
    progress = {
        p.lesson_id: p
        for p in LessonProgress.objects.for_distributor(learner).filter(
            lesson__course=course
        )
    }
    return render(
        request,
        "training/course.html",
        {
            "course": course,
            "status": course_status(learner, course),
            "rows": [(lesson, progress.get(lesson.pk)) for lesson in lessons],
        },
    )


def _lesson_context(request: HttpRequest, lesson: Lesson, **extra) -> dict:
    learner = get_learner(request.user)
    course = lesson.course
    lessons = list(course.lessons.only("pk", "slug", "title", "position"))
    index = next(i for i, item in enumerate(lessons) if item.pk == lesson.pk)
    quiz = lesson.quiz_or_none()
    context = {
        "course": course,
        "lesson": lesson,
        "quiz": quiz,
        "progress": LessonProgress.objects.filter(
            distributor=learner, lesson=lesson
        ).first(),
        "status": course_status(learner, course),
        "previous_lesson": lessons[index - 1] if index > 0 else None,
        "next_lesson": lessons[index + 1] if index + 1 < len(lessons) else None,
        "position": index + 1,
        "lesson_total": len(lessons),
    }
    if quiz is not None and "form" not in extra:
        context["form"] = QuizForm(quiz=quiz)
    context.update(extra)
    return context


@login_required
@require_safe
def lesson(request: HttpRequest, course_slug: str, lesson_slug: str) -> HttpResponse:
    lesson = get_lesson_for_viewer(request.user, course_slug, lesson_slug)
    actions.start_lesson(distributor=get_learner(request.user), lesson=lesson)
    return render(request, "training/lesson.html", _lesson_context(request, lesson))


@login_required
@require_POST
def complete(request: HttpRequest, course_slug: str, lesson_slug: str) -> HttpResponse:
    lesson = get_lesson_for_viewer(request.user, course_slug, lesson_slug)
    if lesson.quiz_or_none() is not None:
        raise Http404
    actions.complete_lesson(distributor=get_learner(request.user), lesson=lesson)
    messages.success(request, _("Lesson complete. Nice work!"))
    status = course_status(get_learner(request.user), lesson.course)
    if status.next_lesson is not None:
        return redirect("training:lesson", lesson.course.slug, status.next_lesson.slug)
    return redirect("training:course", lesson.course.slug)


@login_required
@require_POST
@vary_on_headers("HX-Request")
def quiz(request: HttpRequest, course_slug: str, lesson_slug: str) -> HttpResponse:
    lesson = get_lesson_for_viewer(request.user, course_slug, lesson_slug)
    quiz = lesson.quiz_or_none()
    if quiz is None:
        raise Http404
    form = QuizForm(request.POST, quiz=quiz)
    result = None
    if form.is_valid():
        result = actions.submit_quiz(
            distributor=get_learner(request.user), quiz=quiz, answers=form.answers()
        )
        if result.is_passed:
            form = QuizForm(quiz=quiz)
    context = _lesson_context(request, lesson, form=form, result=result)
    template = (
        "training/lesson.html#quiz"
        if wants_partial(request)
        else "training/lesson.html"
    )
    return render(request, template, context)


@login_required
@require_safe
def lesson_file(
    request: HttpRequest, course_slug: str, lesson_slug: str
) -> HttpResponseBase:
    lesson = get_lesson_for_viewer(request.user, course_slug, lesson_slug)
    return _stored_file_response(
        request,
        lesson.file,
        content_type=lesson.content_type,
        filename=lesson.download_name(),
        as_attachment=request.GET.get("download") == "1",
        is_pdf=lesson.is_pdf,
    )


@login_required
@require_safe
def certificate(request: HttpRequest, course_slug: str) -> HttpResponse:
    course = get_course_for_viewer(request.user, course_slug)
    learner = get_learner(request.user)
    if not course_status(learner, course).is_complete:
        raise Http404
    finished = (
        LessonProgress.objects.for_distributor(learner)
        .completed()
        .filter(lesson__course=course)
        .order_by("-completed_at")
        .values_list("completed_at", flat=True)
        .first()
    )
    user = request.user
    data = certificate_pdf(
        name=user.get_full_name() or user.username,
        course=course.title,
        completed_on=timezone.localdate(finished),
    )
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="certificate-{course.slug}.pdf"'
    )
    return _safe(response, policy=INLINE_PDF_CSP)


@login_required
@require_safe
def webinars(request: HttpRequest) -> HttpResponse:
    learner = get_learner(request.user)
    now = timezone.now()
    upcoming = list(Webinar.objects.upcoming(now))
    past = list(Webinar.objects.past(now)[:20])
    registered = set(
        WebinarRegistration.objects.filter(distributor=learner).values_list(
            "webinar_id", flat=True
        )
    )
    return render(
        request,
        "training/webinars.html",
        {"upcoming": upcoming, "past": past, "registered": registered, "now": now},
    )


def _webinar_context(request: HttpRequest, webinar: Webinar) -> dict:
    learner = get_learner(request.user)
    now = timezone.now()
    is_registered = WebinarRegistration.objects.filter(
        webinar=webinar, distributor=learner
    ).exists()
    return {
        "webinar": webinar,
        "is_registered": is_registered,
        "is_over": webinar.is_over(now),
        "show_join": is_registered and webinar.is_join_open(now) and webinar.join_url,
        "now": now,
    }


@login_required
@require_safe
def webinar(request: HttpRequest, webinar_id: int) -> HttpResponse:
    webinar = get_webinar_for_viewer(request.user, webinar_id)
    return render(request, "training/webinar.html", _webinar_context(request, webinar))


@login_required
@require_POST
@vary_on_headers("HX-Request")
def register(request: HttpRequest, webinar_id: int) -> HttpResponse:
    webinar = get_webinar_for_viewer(request.user, webinar_id)
    learner = get_learner(request.user)
    try:
        if request.POST.get("cancel"):
            actions.cancel_registration(distributor=learner, webinar=webinar)
            notice = _("Your registration is cancelled.")
        else:
            actions.register_for_webinar(distributor=learner, webinar=webinar)
            notice = _("You're registered. See you there!")
    except actions.TrainingError:
        notice = ""
        messages.error(request, _("This webinar is over."))
    if wants_partial(request):
        return render(
            request,
            "training/webinar.html#registration",
            _webinar_context(request, webinar),
        )
    if notice:
        messages.success(request, notice)
    return redirect("training:webinar", webinar.pk)


@login_required
@require_safe
def webinar_ics(request: HttpRequest, webinar_id: int) -> HttpResponse:
    webinar = get_webinar_for_viewer(request.user, webinar_id)
    page_url = settings.SITE_URL.rstrip("/") + reverse(
        "training:webinar", args=[webinar.pk]
    )
    body = webinar_calendar(
        webinar, page_url=page_url, now=timezone.now(), company=settings.COMPANY_NAME
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="webinar-{webinar.pk}.ics"'
    return _safe(response)


@login_required
@require_safe
def recording(request: HttpRequest, webinar_id: int) -> HttpResponseBase:
    webinar = get_webinar_for_viewer(request.user, webinar_id)
    if not webinar.is_over():
        raise Http404
    return _stored_file_response(
        request,
        webinar.recording_file,
        content_type=webinar.recording_content_type,
        filename=f"webinar-{webinar.pk}.{webinar.recording_file_type or 'bin'}",
        as_attachment=request.GET.get("download") == "1",
        is_pdf=False,
    )


@login_required
@require_safe
def team(request: HttpRequest) -> HttpResponse:
    viewer = get_learner(request.user)
    return render(request, "training/team.html", {"rows": team_path_progress(viewer)})


@login_required
@require_safe
def team_member(request: HttpRequest, distributor_id: str) -> HttpResponse:
    viewer = get_learner(request.user)
    member = get_enrollee_for_viewer(viewer, distributor_id)
    return render(
        request,
        "training/team_member.html",
        {"member": member, "path": path_status(member)},
    )
