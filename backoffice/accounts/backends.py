from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.utils import timezone

User = get_user_model()


class AccountBackend(ModelBackend):
    """Django's model backend, also refusing distributors whose termination began.

    ``get_user`` uses the same check, so a session open when the termination takes
    effect ends on its next request.
    """

    def get_user(self, user_id):
        # Every signed-in request reads the user; the distributor comes in the
        # same statement (the termination check below and most pages need it).
        try:
            user = User._default_manager.select_related("distributor").get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None

    def user_can_authenticate(self, user) -> bool:
        if not super().user_can_authenticate(user):
            return False
        distributor = getattr(user, "distributor", None) if user.pk else None
        terminated_on = getattr(distributor, "terminated_on", None)
        return terminated_on is None or terminated_on > timezone.localdate()
