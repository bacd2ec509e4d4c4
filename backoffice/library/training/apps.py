from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainingConfig(AppConfig):
    """Courses, lessons, quizzes, progress and webinars: the library's teaching half."""

    name = "backoffice.library.training"
    label = "training"
    verbose_name = _("Training")
