"""Progress through courses and the first 30 days path, derived from lesson rows."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from backoffice.library.training.models import (
    Course,
    CourseStatus,
    Lesson,
    LessonProgress,
    PathCourse,
)
from backoffice.network.models import Distributor


def course_statuses(
    distributor: Distributor, courses: Iterable[Course]
) -> list[CourseStatus]:
    """Each course's progress for the distributor, in the order given (two queries)."""
    courses = list(courses)
    lessons_by_course: dict[int, list[Lesson]] = defaultdict(list)
    for lesson in Lesson.objects.filter(course__in=courses).only(
        "pk", "course_id", "position", "slug", "title"
    ):
        lessons_by_course[lesson.course_id].append(lesson)
    done = set(
        LessonProgress.objects.for_distributor(distributor)
        .completed()
        .filter(lesson__course__in=courses)
        .values_list("lesson_id", flat=True)
    )
    statuses = []
    for course in courses:
        lessons = lessons_by_course[course.pk]
        completed = [lesson for lesson in lessons if lesson.pk in done]
        next_lesson = next(
            (lesson for lesson in lessons if lesson.pk not in done), None
        )
        statuses.append(
            CourseStatus(
                course=course,
                lesson_count=len(lessons),
                completed_count=len(completed),
                next_lesson=next_lesson,
            )
        )
    return statuses


def course_status(distributor: Distributor, course: Course) -> CourseStatus:
    return course_statuses(distributor, [course])[0]


def path_courses() -> list[Course]:
    return [
        entry.course
        for entry in PathCourse.objects.filter(course__is_published=True)
        .select_related("course")
        .order_by("position", "pk")
    ]


@dataclass(frozen=True)
class PathStatus:
    courses: list[CourseStatus]

    @property
    def total(self) -> int:
        return len(self.courses)

    @property
    def completed(self) -> int:
        return sum(1 for status in self.courses if status.is_complete)

    @property
    def is_complete(self) -> bool:
        return self.completed == self.total

    @property
    def next(self) -> CourseStatus | None:
        return next((s for s in self.courses if not s.is_complete), None)


def path_status(distributor: Distributor) -> PathStatus:
    return PathStatus(course_statuses(distributor, path_courses()))


@dataclass(frozen=True)
class TrainingSummary:
    started: int
    in_progress: int
    completed: int
    available: int
    current: CourseStatus | None
    path: PathStatus


def training_summary(distributor: Distributor) -> TrainingSummary:
    """What the dashboard shows: courses done, the one to continue, the path."""
    statuses = course_statuses(distributor, Course.objects.published())
    in_progress = [s for s in statuses if s.is_started and not s.is_complete]
    return TrainingSummary(
        started=sum(1 for s in statuses if s.is_started),
        in_progress=len(in_progress),
        completed=sum(1 for s in statuses if s.is_complete),
        available=len(statuses),
        current=in_progress[0] if in_progress else None,
        path=path_status(distributor),
    )


@dataclass(frozen=True)
class MemberPathProgress:
    member: Distributor
    lessons_done: int
    lesson_count: int
    courses_done: int
    course_count: int

    @property
    def percent(self) -> int:
        if not self.lesson_count:
            return 0
        return self.lessons_done * 100 // self.lesson_count

    @property
    def is_complete(self) -> bool:
        return self.course_count > 0 and self.courses_done == self.course_count


def enrollees_of(viewer: Distributor):
    """The viewer's personally enrolled members (never anyone else's)."""
    return (
        Distributor.objects.filter(enroller=viewer)
        .select_related("user")
        .order_by("-join_date", "distributor_id")
    )


def team_path_progress(
    viewer: Distributor, *, limit: int = 500
) -> list[MemberPathProgress]:
    """First 30 days progress of the viewer's personal enrollees (three queries)."""
    members = list(enrollees_of(viewer)[:limit])
    courses = path_courses()
    lessons = list(
        Lesson.objects.filter(course__in=courses).values_list("pk", "course_id")
    )
    per_course: dict[int, set[int]] = defaultdict(set)
    for lesson_id, course_id in lessons:
        per_course[course_id].add(lesson_id)
    done: dict[int, set[int]] = defaultdict(set)
    for member_id, lesson_id in (
        LessonProgress.objects.completed()
        .filter(distributor__in=members, lesson_id__in=[pk for pk, _ in lessons])
        .values_list("distributor_id", "lesson_id")
    ):
        done[member_id].add(lesson_id)
    rows = []
    for member in members:
        finished = done[member.pk]
        rows.append(
            MemberPathProgress(
                member=member,
                lessons_done=len(finished),
                lesson_count=len(lessons),
                courses_done=sum(
                    1
                    for course in courses
                    if per_course[course.pk] and per_course[course.pk] <= finished
                ),
                course_count=len(courses),
            )
        )
    return rows
