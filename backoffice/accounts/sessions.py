"""Database sessions that record their user, device and last activity.

The extra columns let a person see their active sessions and end the others,
and let a password change end every session of that user with one query.
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DBStore
from django.utils import timezone

IP_KEY = "_ip"
USER_AGENT_KEY = "_ua"
SIGNED_IN_AT_KEY = "_signed_in_at"
SEEN_KEY = "_seen"


class SessionStore(DBStore):
    @classmethod
    def get_model_class(cls):
        from backoffice.accounts.models import UserSession

        return UserSession

    def create_model_instance(self, data):
        instance = super().create_model_instance(data)
        user_id = data.get(SESSION_KEY)
        instance.user_id = int(user_id) if user_id else None
        instance.ip_address = data.get(IP_KEY) or None
        instance.user_agent = (data.get(USER_AGENT_KEY) or "")[:300]
        signed_in_at = data.get(SIGNED_IN_AT_KEY)
        instance.signed_in_at = (
            datetime.fromisoformat(signed_in_at) if signed_in_at else None
        )
        instance.last_seen = timezone.now()
        return instance
