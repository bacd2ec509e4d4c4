from django.contrib.auth.backends import ModelBackend
from django.utils import timezone


class AccountBackend(ModelBackend):
    """Django's model backend, also refusing distributors whose termination began.

    ``get_user`` uses the same check, so a session open when the termination takes
    effect ends on its next request.
    """

    def user_can_authenticate(self, user) -> bool:
        if not super().user_can_authenticate(user):
            return False
        distributor = getattr(user, "distributor", None) if user.pk else None
        terminated_on = getattr(distributor, "terminated_on", None)
        return terminated_on is None or terminated_on > timezone.localdate()
