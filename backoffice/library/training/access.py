"""Gates for training: published courses and lessons, webinars, enrollees."""

from __future__ import annotations

from django.http import Http404

from backoffice.accounts.models import User
from backoffice.library.training.models import Course, Lesson, Webinar
from backoffice.network.access import get_viewer
from backoffice.network.models import Distributor
from backoffice.network.queries import parse_distributor_id


def get_learner(user: User) -> Distributor:
    """The signed-in distributor; staff and anyone without a network place get 404."""
    if not user.is_authenticated or not user.is_distributor:
        raise Http404
    return get_viewer(user)


def get_course_for_viewer(user: User, slug: str) -> Course:
    """A published course by its URL name; 404 for missing and unpublished alike."""
    get_learner(user)
    course = Course.objects.published().filter(slug=slug).first()
    if course is None:
        raise Http404
    return course


def get_lesson_for_viewer(user: User, course_slug: str, lesson_slug: str) -> Lesson:
    """A lesson of a published course; 404 otherwise."""
    course = get_course_for_viewer(user, course_slug)
    lesson = (
        Lesson.objects.filter(course=course, slug=lesson_slug)
        .select_related("course")
        .first()
    )
    if lesson is None:
        raise Http404
    return lesson


def get_webinar_for_viewer(user: User, webinar_id: int | str) -> Webinar:
    """Any webinar, for signed-in distributors; 404 otherwise."""
    get_learner(user)
    try:
        number = int(webinar_id)
    except (TypeError, ValueError):
        raise Http404 from None
    webinar = Webinar.objects.filter(pk=number).first()
    if webinar is None:
        raise Http404
    return webinar


def get_enrollee_for_viewer(
    viewer: Distributor, distributor_id: int | str | None
) -> Distributor:
    """One of the viewer's personally enrolled members; 404 for anyone else."""
    number = parse_distributor_id(distributor_id)
    if number is None:
        raise Http404
    member = (
        Distributor.objects.filter(enroller=viewer, distributor_id=number)
        .select_related("user")
        .first()
    )
    if member is None:
        raise Http404
    return member
