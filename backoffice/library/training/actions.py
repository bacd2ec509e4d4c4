"""Writes in training: progress, quiz attempts, webinar registrations, reminders."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from backoffice.lib.emails import queue_email
from backoffice.library.training.models import (
    REMINDER_LEAD,
    Lesson,
    LessonProgress,
    Quiz,
    Webinar,
    WebinarRegistration,
)
from backoffice.library.uploads import CheckedFile
from backoffice.network.models import Distributor

logger = logging.getLogger(__name__)


class TrainingError(Exception):
    """A refused training action; the message is shown to the distributor."""


@dataclass(frozen=True)
class QuizResult:
    correct: int
    total: int
    score: int  # percent, rounded down
    pass_mark: int
    is_passed: bool
    wrong_question_ids: frozenset[int] = field(default_factory=frozenset)


def score_answers(
    *,
    correct_choice: Mapping[int, int],
    answers: Mapping[int, int | None],
    pass_mark: int,
) -> QuizResult:
    """Score single-choice answers: question id -> chosen choice id.

    Passing compares whole numbers (correct × 100 ≥ pass mark × total), so a
    score of exactly the pass mark passes and rounding never lets one through.
    """
    total = len(correct_choice)
    wrong = frozenset(
        question_id
        for question_id, choice_id in correct_choice.items()
        if answers.get(question_id) != choice_id
    )
    correct = total - len(wrong)
    score = correct * 100 // total if total else 100
    return QuizResult(
        correct=correct,
        total=total,
        score=score,
        pass_mark=pass_mark,
        is_passed=correct * 100 >= pass_mark * total,
        wrong_question_ids=wrong,
    )


def correct_choices(quiz: Quiz) -> dict[int, int]:
    """Question id -> its correct choice id (a question without one can't be right)."""
    answer_key: dict[int, int] = {}
    for question in quiz.questions.prefetch_related("choices"):
        right = next((c.pk for c in question.choices.all() if c.is_correct), 0)
        answer_key[question.pk] = right
    return answer_key


def start_lesson(
    *, distributor: Distributor, lesson: Lesson, now: datetime | None = None
) -> LessonProgress:
    """Record that the distributor opened the lesson (once; revisits change nothing)."""
    now = now or timezone.now()
    try:
        with transaction.atomic():
            progress, _ = LessonProgress.objects.get_or_create(
                distributor=distributor, lesson=lesson, defaults={"started_at": now}
            )
    except IntegrityError:
        # Two tabs opened the lesson at once: the other one made the row.
        progress = LessonProgress.objects.get(distributor=distributor, lesson=lesson)
    return progress


def _locked_progress(
    distributor: Distributor, lesson: Lesson, now: datetime
) -> LessonProgress:
    start_lesson(distributor=distributor, lesson=lesson, now=now)
    return LessonProgress.objects.select_for_update().get(
        distributor=distributor, lesson=lesson
    )


def complete_lesson(
    *, distributor: Distributor, lesson: Lesson, now: datetime | None = None
) -> LessonProgress:
    """Mark a lesson without a quiz complete (one with a quiz needs a pass)."""
    now = now or timezone.now()
    if lesson.quiz_or_none() is not None:
        raise TrainingError("This lesson completes when you pass its quiz.")
    with transaction.atomic():
        progress = _locked_progress(distributor, lesson, now)
        if progress.completed_at is None:
            progress.completed_at = now
            progress.save(update_fields=["completed_at"])
    return progress


def submit_quiz(
    *,
    distributor: Distributor,
    quiz: Quiz,
    answers: Mapping[int, int | None],
    now: datetime | None = None,
) -> QuizResult:
    """Score an attempt, count it, keep the best score; passing completes the lesson."""
    now = now or timezone.now()
    result = score_answers(
        correct_choice=correct_choices(quiz), answers=answers, pass_mark=quiz.pass_mark
    )
    with transaction.atomic():
        progress = _locked_progress(distributor, quiz.lesson, now)
        progress.attempts = F("attempts") + 1
        progress.score = max(progress.score or 0, result.score)
        fields = ["attempts", "score"]
        if result.is_passed and progress.completed_at is None:
            progress.completed_at = now
            fields.append("completed_at")
        progress.save(update_fields=fields)
    return result


def attach_lesson_file(*, lesson: Lesson, checked: CheckedFile) -> Lesson:
    """Store a checked upload on the lesson; the replaced file goes after commit."""
    replaced = lesson.file.name if lesson.file else ""
    with transaction.atomic():
        lesson.file.save(checked.content.name, checked.content, save=False)
        lesson.file_type = checked.file_type
        lesson.save()
        if replaced and replaced != lesson.file.name:
            storage = lesson.file.storage
            transaction.on_commit(lambda: storage.delete(replaced))
    return lesson


def attach_recording_file(*, webinar: Webinar, checked: CheckedFile) -> Webinar:
    replaced = webinar.recording_file.name if webinar.recording_file else ""
    with transaction.atomic():
        webinar.recording_file.save(checked.content.name, checked.content, save=False)
        webinar.recording_file_type = checked.file_type
        webinar.save()
        if replaced and replaced != webinar.recording_file.name:
            storage = webinar.recording_file.storage
            transaction.on_commit(lambda: storage.delete(replaced))
    return webinar


def register_for_webinar(
    *, distributor: Distributor, webinar: Webinar, now: datetime | None = None
) -> WebinarRegistration:
    """Register (idempotent); refused once the webinar is over."""
    now = now or timezone.now()
    if webinar.is_over(now):
        raise TrainingError("This webinar is over.")
    try:
        with transaction.atomic():
            registration, _ = WebinarRegistration.objects.get_or_create(
                webinar=webinar, distributor=distributor, defaults={"created_at": now}
            )
    except IntegrityError:
        registration = WebinarRegistration.objects.get(
            webinar=webinar, distributor=distributor
        )
    return registration


def cancel_registration(
    *, distributor: Distributor, webinar: Webinar, now: datetime | None = None
) -> bool:
    """Cancel the distributor's registration; refused once the webinar is over."""
    if webinar.is_over(now):
        raise TrainingError("This webinar is over.")
    with transaction.atomic():
        deleted, _ = WebinarRegistration.objects.filter(
            webinar=webinar, distributor=distributor
        ).delete()
    return bool(deleted)


def send_webinar_reminders(*, now: datetime | None = None) -> int:
    """Email registrants of webinars starting within the hour; each one only once.

    Each registration is claimed with a conditional update before its email is
    queued, so two overlapping runs never remind the same person twice.
    """
    now = now or timezone.now()
    due = (
        WebinarRegistration.objects.filter(
            reminded_at__isnull=True,
            webinar__starts_at__gt=now,
            webinar__starts_at__lte=now + REMINDER_LEAD,
        )
        .select_related("webinar", "distributor__user")
        .order_by("pk")
    )
    sent = 0
    site = settings.SITE_URL.rstrip("/")
    for registration in due:
        with transaction.atomic():
            claimed = WebinarRegistration.objects.filter(
                pk=registration.pk, reminded_at__isnull=True
            ).update(reminded_at=now)
            if not claimed:
                continue
            user = registration.distributor.user
            webinar = registration.webinar
            queue_email(
                to=user.email,
                template="training/webinar_reminder",
                context={
                    "name": user.first_name or user.username,
                    "webinar": webinar,
                    "webinar_url": site
                    + reverse("training:webinar", args=[webinar.pk]),
                },
                language=user.language,
            )
            sent += 1
    if sent:
        logger.info("webinar reminders sent: %s", sent)
    return sent
