import pytest
from django.urls import reverse


@pytest.fixture
def sign_in(client, password):
    """Sign in through the real page (lockout, security log and session facts)."""

    def _sign_in(
        user, *, secret=None, agent="Mozilla/5.0 (X11; Linux x86_64) Chrome/130.0"
    ):
        return client.post(
            reverse("accounts:login"),
            {"identifier": user.username, "password": secret or password},
            HTTP_USER_AGENT=agent,
            REMOTE_ADDR="198.51.100.7",
        )

    return _sign_in
