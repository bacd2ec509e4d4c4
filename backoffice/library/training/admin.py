from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from backoffice.library.training.forms import LessonAdminForm, WebinarAdminForm
from backoffice.library.training.models import (
    Choice,
    Course,
    Lesson,
    LessonProgress,
    PathCourse,
    Question,
    Quiz,
    Webinar,
    WebinarRegistration,
)


class LessonInline(admin.TabularInline):
    model = Lesson
    fields = ("position", "title", "slug", "kind", "duration_minutes")
    extra = 0
    show_change_link = True
    prepopulated_fields = {"slug": ("title",)}


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ("title", "language", "is_published", "position", "lesson_count")
    list_filter = ("is_published", "language")
    list_editable = ("is_published", "position")
    search_fields = ("title", "description")
    prepopulated_fields = {"slug": ("title",)}
    inlines = [LessonInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(lesson_total=Count("lessons"))

    @admin.display(description=_("lessons"), ordering="lesson_total")
    def lesson_count(self, obj) -> int:
        return obj.lesson_total


class QuizInline(admin.StackedInline):
    model = Quiz
    extra = 0
    show_change_link = True


@admin.register(Lesson)
class LessonAdmin(admin.ModelAdmin):
    form = LessonAdminForm
    list_display = ("title", "course", "position", "kind", "has_quiz")
    list_filter = ("course", "kind")
    search_fields = ("title", "body")
    prepopulated_fields = {"slug": ("title",)}
    inlines = [QuizInline]

    def save_model(self, request, obj, form, change):
        if getattr(form, "checked", None) is not None:
            obj.file_type = form.checked.file_type
        super().save_model(request, obj, form, change)

    @admin.display(boolean=True, description=_("quiz"))
    def has_quiz(self, obj) -> bool:
        return obj.quiz_or_none() is not None


class QuestionInline(admin.StackedInline):
    model = Question
    extra = 0
    show_change_link = True


@admin.register(Quiz)
class QuizAdmin(admin.ModelAdmin):
    list_display = ("lesson", "pass_mark")
    list_filter = ("lesson__course",)
    inlines = [QuestionInline]


class ChoiceInline(admin.TabularInline):
    model = Choice
    extra = 3


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ("text", "quiz", "position")
    list_filter = ("quiz__lesson__course",)
    inlines = [ChoiceInline]


@admin.register(PathCourse)
class PathCourseAdmin(admin.ModelAdmin):
    list_display = ("course", "position")
    list_editable = ("position",)


@admin.register(LessonProgress)
class LessonProgressAdmin(admin.ModelAdmin):
    list_display = (
        "distributor",
        "lesson",
        "started_at",
        "completed_at",
        "score",
        "attempts",
    )
    list_filter = ("lesson__course", ("completed_at", admin.EmptyFieldListFilter))
    search_fields = ("distributor__distributor_id",)
    raw_id_fields = ("distributor", "lesson")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class RegistrationInline(admin.TabularInline):
    model = WebinarRegistration
    fields = ("distributor", "created_at", "reminded_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Webinar)
class WebinarAdmin(admin.ModelAdmin):
    form = WebinarAdminForm
    list_display = ("title", "presenter", "starts_at", "language", "registrants")
    list_filter = ("language", "starts_at")
    search_fields = ("title", "presenter")
    date_hierarchy = "starts_at"
    inlines = [RegistrationInline]

    def get_queryset(self, request):
        return super().get_queryset(request).with_registrant_count()

    def save_model(self, request, obj, form, change):
        if getattr(form, "checked", None) is not None:
            obj.recording_file_type = form.checked.file_type
        super().save_model(request, obj, form, change)

    @admin.display(description=_("registrants"), ordering="registrant_count")
    def registrants(self, obj) -> int:
        return obj.registrant_count
