"""Quiz scoring: exact scores, the pass mark boundary, attempts and completion."""

from __future__ import annotations

import pytest

from backoffice.library.training.actions import score_answers, submit_quiz
from backoffice.library.training.models import LessonProgress, Quiz
from backoffice.library.training.tests.factories import add_quiz, answers_for


def quiz_url(course, slug="the-coffee-line") -> str:
    return f"/training/{course.slug}/{slug}/quiz/"


@pytest.mark.parametrize(
    ("correct", "total", "pass_mark", "score", "passed"),
    [
        (0, 3, 50, 0, False),
        (1, 3, 34, 33, False),  # 33.3% is under 34%
        (1, 3, 33, 33, True),
        (2, 3, 67, 66, False),  # 66.67% is under 67%: no rounding up
        (2, 3, 66, 66, True),
        (1, 2, 50, 50, True),  # exactly the pass mark passes
        (3, 4, 76, 75, False),
        (3, 4, 75, 75, True),
        (4, 4, 100, 100, True),
        (0, 2, 0, 0, True),
    ],
)
def test_score_answers(correct, total, pass_mark, score, passed):
    key = {question: question * 10 for question in range(1, total + 1)}
    answers = {
        question: (right if question <= correct else right + 1)
        for question, right in key.items()
    }
    result = score_answers(correct_choice=key, answers=answers, pass_mark=pass_mark)
    assert (result.correct, result.total) == (correct, total)
    assert result.score == score
    assert result.is_passed is passed
    assert result.wrong_question_ids == frozenset(range(correct + 1, total + 1))


def test_missing_answer_counts_as_wrong():
    result = score_answers(correct_choice={1: 10, 2: 20}, answers={1: 10}, pass_mark=50)
    assert (result.correct, result.score, result.is_passed) == (1, 50, True)
    assert result.wrong_question_ids == frozenset({2})


def test_failed_attempt_is_counted_and_leaves_the_lesson_open(client, members, course):
    alice = members["alice"]
    quiz = Quiz.objects.get(lesson__course=course)
    client.force_login(alice.user)

    response = client.post(quiz_url(course), answers_for(quiz, right=1))

    assert response.status_code == 200
    assert b"Your score: 50% (1 of 2 right)." in response.content
    assert b"You need 100% to pass" in response.content
    progress = LessonProgress.objects.get(distributor=alice, lesson=quiz.lesson)
    assert (progress.attempts, progress.score, progress.completed_at) == (1, 50, None)


def test_passing_completes_the_lesson_and_keeps_the_best_score(client, members, course):
    alice = members["alice"]
    quiz = Quiz.objects.get(lesson__course=course)
    client.force_login(alice.user)

    client.post(quiz_url(course), answers_for(quiz, right=2))
    response = client.post(quiz_url(course), answers_for(quiz, right=0))

    progress = LessonProgress.objects.get(distributor=alice, lesson=quiz.lesson)
    assert progress.attempts == 2
    assert progress.score == 100  # the best, not the last
    assert progress.completed_at is not None  # a later fail never undoes a pass
    assert b"Your score: 0% (0 of 2 right)." in response.content


def test_htmx_attempt_returns_the_quiz_and_the_new_progress(client, members, course):
    quiz = Quiz.objects.get(lesson__course=course)
    client.force_login(members["alice"].user)

    response = client.post(
        quiz_url(course), answers_for(quiz, right=2), headers={"HX-Request": "true"}
    )

    html = response.content.decode()
    assert html.lstrip().startswith('<section class="card" id="quiz">')
    assert "You passed. This lesson is complete." in html
    assert f'id="course-progress-{course.pk}" hx-swap-oob="true"' in html
    assert "1 of 3 lessons done" in html
    assert "<html" not in html


def test_unanswered_question_is_refused_and_nothing_recorded(client, members, course):
    alice = members["alice"]
    quiz = Quiz.objects.get(lesson__course=course)
    data = answers_for(quiz, right=2)
    data.pop(next(iter(data)))
    client.force_login(alice.user)

    response = client.post(quiz_url(course), data)

    assert b"Choose an answer." in response.content
    assert not LessonProgress.objects.filter(attempts__gt=0).exists()


def test_a_choice_from_another_question_is_refused(client, members, course):
    quiz = Quiz.objects.get(lesson__course=course)
    first, second = quiz.questions.all()
    foreign = second.choices.get(is_correct=True)
    client.force_login(members["alice"].user)

    response = client.post(
        quiz_url(course),
        {f"q{first.pk}": str(foreign.pk), f"q{second.pk}": str(foreign.pk)},
    )

    assert response.status_code == 200
    assert not LessonProgress.objects.filter(attempts__gt=0).exists()


def test_quiz_on_a_lesson_without_one_is_404(client, members, course):
    client.force_login(members["alice"].user)
    response = client.post(quiz_url(course, "welcome"), {})
    assert response.status_code == 404
    assert not LessonProgress.objects.exists()


def test_staff_cannot_take_quizzes(client, staff, course):
    quiz = Quiz.objects.get(lesson__course=course)
    client.force_login(staff)
    response = client.post(quiz_url(course), answers_for(quiz, right=2))
    assert response.status_code == 404
    assert not LessonProgress.objects.exists()


def test_submit_quiz_action_scores_exactly(members, course):
    lesson = course.lessons.get(slug="welcome")
    quiz = add_quiz(
        lesson,
        [("a", ["x", "y"], 0), ("b", ["x", "y"], 0), ("c", ["x", "y"], 0)],
        pass_mark=67,
    )
    key = {q.pk: q.choices.get(is_correct=True).pk for q in quiz.questions.all()}
    first, second, third = key
    answers = {first: key[first], second: key[second], third: 0}

    result = submit_quiz(distributor=members["bob"], quiz=quiz, answers=answers)

    assert (result.score, result.is_passed) == (66, False)
    progress = LessonProgress.objects.get(distributor=members["bob"], lesson=lesson)
    assert (progress.score, progress.attempts, progress.completed_at) == (66, 1, None)
