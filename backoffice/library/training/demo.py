"""Demo training: two courses with quizzes, the first 30 days path, two webinars.

No health claims: the product course talks about taste, preparation and how to
speak about the products responsibly. Progress is given to the first demo
distributors so the dashboard cards and the leaders' page have something to show.
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.utils import timezone

from backoffice.library.demo import demo_clip
from backoffice.library.models import FileType
from backoffice.library.training.models import (
    Choice,
    Course,
    Language,
    Lesson,
    LessonKind,
    LessonProgress,
    PathCourse,
    Question,
    Quiz,
    Webinar,
    WebinarRegistration,
)
from backoffice.network.models import Distributor

FDA_NOTE = (
    "These statements have not been evaluated by the Food and Drug Administration. "
    "The products are not intended to diagnose, treat, cure or prevent any disease."
)

COURSES = [
    {
        "slug": "product-knowledge",
        "title": "Product knowledge: the Ganoderma coffee line",
        "description": (
            "Get to know the coffees and teas you'll share every day: what's in "
            "the box, how each one tastes and how to talk about them honestly."
        ),
        "lessons": [
            (
                "meet-the-coffee-line",
                "Meet the coffee line",
                LessonKind.TEXT,
                "Ganocafé Classic is a black coffee blended with Ganoderma lucidum "
                "extract. Ganocafé 3-in-1 adds creamer and sugar; Gano Mocha adds "
                "cocoa.\n\nEach sachet makes one cup: add hot water, stir and enjoy.",
                [
                    (
                        "How many cups does one sachet make?",
                        ["One", "Two", "Four"],
                        0,
                    ),
                    (
                        "Which coffee comes with creamer and sugar?",
                        ["Ganocafé Classic", "Ganocafé 3-in-1", "Rooibos Tea"],
                        1,
                    ),
                ],
            ),
            (
                "tasting-at-home",
                "Hosting a tasting at home",
                LessonKind.VIDEO_UPLOAD,
                "Watch how a distributor runs a relaxed coffee tasting for friends: "
                "three flavours, small cups, and a simple order form.",
                [],
            ),
            (
                "talking-responsibly",
                "Talking about the products responsibly",
                LessonKind.TEXT,
                "Talk about taste, convenience and your own routine. Never say a "
                "product treats, cures or prevents anything.\n\n" + FDA_NOTE,
                [
                    (
                        "A friend asks if the coffee cures headaches. What do you say?",
                        [
                            "Yes, drink two cups a day",
                            "We don't make health claims; talk to your doctor",
                            "Only the Classic does",
                        ],
                        1,
                    ),
                    (
                        "What can you always talk about?",
                        [
                            "Taste and how you enjoy it",
                            "Medical benefits",
                            "Guaranteed results",
                        ],
                        0,
                    ),
                ],
            ),
        ],
    },
    {
        "slug": "business-basics",
        "title": "The business: binary plan, autoship and enrolling",
        "description": (
            "How the binary plan pays, why autoship keeps you active and how to "
            "enroll your first customers and distributors."
        ),
        "lessons": [
            (
                "binary-plan-basics",
                "Binary plan basics",
                LessonKind.TEXT,
                "You build two teams, a left leg and a right leg. Each week the "
                "plan pays on the volume of your weaker leg; the stronger leg's "
                "extra volume carries forward.\n\nEarnings depend on your own "
                "effort; no level of income is guaranteed.",
                [
                    (
                        "Which leg does the weekly team bonus pay on?",
                        ["The stronger leg", "The weaker leg", "Both added up"],
                        1,
                    ),
                    (
                        "What happens to the stronger leg's extra volume?",
                        ["It is lost", "It carries forward", "It is paid twice"],
                        1,
                    ),
                ],
            ),
            (
                "autoship",
                "Autoship made simple",
                LessonKind.TEXT,
                "An autoship is a monthly order you set up once. It keeps you "
                "active (50 PV in 30 days) without thinking about it, and you can "
                "change or pause it any time.",
                [
                    (
                        "Why set up an autoship?",
                        [
                            "It keeps you active without thinking about it",
                            "It is required to sign in",
                            "It doubles your commissions",
                        ],
                        0,
                    ),
                ],
            ),
            (
                "enrolling",
                "Enrolling your first members",
                LessonKind.VIDEO_LINK,
                "Share your personal shop link with customers; enroll new "
                "distributors from the Team page. New members wait in your holding "
                "tank until you place them.",
                [],
            ),
            (
                "your-first-week",
                "Your first week",
                LessonKind.TEXT,
                "Day 1: set up your profile and banking. Day 2: start an autoship. "
                "Days 3-7: invite five people to a tasting.",
                [],
            ),
        ],
    },
]


def seed(*, rng: random.Random, distributors: int, months: int) -> dict[str, int]:
    # A copy of the generator: training data never shifts what later seeders draw.
    local = random.Random()
    local.setstate(rng.getstate())
    now = timezone.now()
    courses = []
    lesson_count = 0
    for position, spec in enumerate(COURSES):
        course = Course.objects.create(
            slug=spec["slug"],
            title=spec["title"],
            description=spec["description"],
            language=Language.ENGLISH,
            is_published=True,
            position=position,
        )
        courses.append(course)
        for index, (slug, title, kind, body, questions) in enumerate(spec["lessons"]):
            lesson = Lesson.objects.create(
                course=course,
                position=index,
                slug=slug,
                title=title,
                kind=kind,
                body=body,
                video_url=(
                    f"https://www.youtube.com/watch?v=gano-training-{slug}"
                    if kind == LessonKind.VIDEO_LINK
                    else ""
                ),
                duration_minutes=local.choice([4, 6, 8, 10]),
            )
            if kind == LessonKind.VIDEO_UPLOAD:
                lesson.file.name = demo_clip(f"demo/lesson-{slug}.mp4", title)
                lesson.file_type = FileType.MP4
                lesson.save(update_fields=["file", "file_type"])
            lesson_count += 1
            if not questions:
                continue
            quiz = Quiz.objects.create(lesson=lesson, pass_mark=50)
            for number, (text, answers, right) in enumerate(questions):
                question = Question.objects.create(
                    quiz=quiz, position=number, text=text
                )
                Choice.objects.bulk_create(
                    Choice(
                        question=question,
                        position=k,
                        text=answer,
                        is_correct=k == right,
                    )
                    for k, answer in enumerate(answers)
                )
    for position, course in enumerate(reversed(courses)):
        # The business first: a new distributor's first question is how to start.
        PathCourse.objects.create(course=course, position=position)

    past = Webinar.objects.create(
        title="Autoship and staying active",
        presenter="Maria Lopez, Diamond",
        description="How autoship works and how to help your team stay active.",
        starts_at=(now - timedelta(days=10)).replace(
            hour=2, minute=0, second=0, microsecond=0
        ),
        duration_minutes=60,
        language=Language.ENGLISH,
        join_url="https://meet.ganoexcel.us/j/autoship",
        recording_file=demo_clip(
            "demo/webinar-autoship.mp4", "Autoship and staying active"
        ),
        recording_file_type=FileType.MP4,
    )
    upcoming = Webinar.objects.create(
        title="Hosting your first coffee tasting",
        presenter="James Carter, Ruby",
        description="Plan a tasting, invite friends and follow up, step by step.",
        starts_at=(now + timedelta(days=5)).replace(
            hour=2, minute=0, second=0, microsecond=0
        ),
        duration_minutes=45,
        language=Language.ENGLISH,
        join_url="https://meet.ganoexcel.us/j/tasting",
    )

    # Progress for the first demo distributors: some lessons done, some started.
    members = list(Distributor.objects.order_by("distributor_id")[:12])
    lessons = list(
        Lesson.objects.filter(course__in=courses).order_by("course", "position")
    )
    with_quiz = set(Quiz.objects.values_list("lesson_id", flat=True))
    rows = []
    for rank, member in enumerate(members):
        done = local.randint(0, len(lessons)) if rank else len(lessons)
        for index, lesson in enumerate(lessons[: done + 1]):
            started = now - timedelta(days=local.randint(2, 20), hours=index)
            completed = index < done
            rows.append(
                LessonProgress(
                    distributor=member,
                    lesson=lesson,
                    started_at=started,
                    completed_at=started + timedelta(minutes=15) if completed else None,
                    score=100 if completed and lesson.pk in with_quiz else None,
                    attempts=1 if completed and lesson.pk in with_quiz else 0,
                )
            )
    LessonProgress.objects.bulk_create(rows)
    registrations = [
        WebinarRegistration(webinar=webinar, distributor=member, created_at=now)
        for webinar in (past, upcoming)
        for member in members[:6]
    ]
    WebinarRegistration.objects.bulk_create(registrations)
    return {
        "training courses": len(courses),
        "training lessons": lesson_count,
        "webinars": 2,
    }
