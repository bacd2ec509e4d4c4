from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class NotLikeIdValidator:
    """Refuse a password that contains the user's distributor ID or username."""

    def validate(self, password: str, user=None) -> None:
        if user is None or not getattr(user, "username", ""):
            return
        username = user.username.lower()
        if len(username) >= 3 and username in password.lower():
            raise ValidationError(
                _("The password must not contain your distributor ID or username."),
                code="password_contains_id",
            )

    def get_help_text(self) -> str:
        return _("Your password must not contain your distributor ID or username.")
