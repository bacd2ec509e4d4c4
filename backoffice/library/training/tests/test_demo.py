from __future__ import annotations

import random

from backoffice.library import video
from backoffice.library.training import demo
from backoffice.library.training.models import (
    Course,
    Lesson,
    LessonKind,
    LessonProgress,
    PathCourse,
    Quiz,
    Webinar,
)


def test_seed_makes_courses_path_webinars_and_progress(members):
    rng = random.Random(2026)
    before = rng.getstate()

    counts = demo.seed(rng=rng, distributors=4, months=1)

    assert rng.getstate() == before  # the shared generator is not consumed
    assert counts == {"training courses": 2, "training lessons": 7, "webinars": 2}
    assert Course.objects.published().count() == 2
    assert Quiz.objects.count() == 4
    assert list(PathCourse.objects.values_list("course__slug", flat=True)) == [
        "business-basics",
        "product-knowledge",
    ]
    # The recording and the uploaded lesson are real clips that decode.
    past = Webinar.objects.past().get()
    with past.recording_file.open("rb") as stored:
        assert video.probe(stored, past.recording_file_type).codec == "h264"
    lesson = Lesson.objects.get(kind=LessonKind.VIDEO_UPLOAD)
    with lesson.file.open("rb") as stored:
        assert video.probe(stored, lesson.file_type).seconds > 3
    assert Webinar.objects.upcoming().count() == 1
    # The first distributor has finished everything.
    assert (
        LessonProgress.objects.filter(
            distributor=members["root"], completed_at__isnull=False
        ).count()
        == 7
    )
