from __future__ import annotations

from backoffice.library.training.models import (
    Choice,
    Course,
    Lesson,
    LessonKind,
    Question,
    Quiz,
)


def add_quiz(lesson: Lesson, questions: list[tuple[str, list[str], int]], **fields):
    quiz = Quiz.objects.create(lesson=lesson, **fields)
    for position, (text, answers, right) in enumerate(questions):
        question = Question.objects.create(quiz=quiz, position=position, text=text)
        for index, answer in enumerate(answers):
            Choice.objects.create(
                question=question,
                position=index,
                text=answer,
                is_correct=index == right,
            )
    return quiz


def make_course(
    slug: str = "coffee-basics",
    *,
    title: str = "Coffee basics",
    is_published: bool = True,
    position: int = 0,
) -> Course:
    course = Course.objects.create(
        slug=slug, title=title, is_published=is_published, position=position
    )
    Lesson.objects.create(
        course=course,
        position=0,
        slug="welcome",
        title="Welcome",
        kind=LessonKind.TEXT,
        body="Hello <b>there</b>\n\nSecond paragraph.",
    )
    quiz_lesson = Lesson.objects.create(
        course=course,
        position=1,
        slug="the-coffee-line",
        title="The coffee line",
        kind=LessonKind.TEXT,
        body="Classic, 3-in-1 and Mocha.",
    )
    add_quiz(
        quiz_lesson,
        [
            ("How many cups per sachet?", ["One", "Two"], 0),
            ("Which has cocoa?", ["Classic", "Mocha"], 1),
        ],
        pass_mark=100,
    )
    Lesson.objects.create(
        course=course,
        position=2,
        slug="tasting",
        title="Hosting a tasting",
        kind=LessonKind.VIDEO_LINK,
        video_url="https://videos.example.com/tasting",
    )
    return course


def answers_for(quiz: Quiz, *, right: int) -> dict[str, str]:
    """POST data answering the first ``right`` questions right, the rest wrong."""
    data = {}
    for index, question in enumerate(quiz.questions.prefetch_related("choices")):
        choices = list(question.choices.all())
        correct = next(c for c in choices if c.is_correct)
        wrong = next(c for c in choices if not c.is_correct)
        data[f"q{question.pk}"] = str((correct if index < right else wrong).pk)
    return data
