"""Deployment checks for what the network's cached reads rely on."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Tags, Warning, register

LOCAL_CACHES = {
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
}


@register(Tags.caches, deploy=True)
def shared_cache(app_configs, **kwargs) -> list[Warning]:
    """The tree's generation number must be one for every web process."""
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    if backend not in LOCAL_CACHES:
        return []
    return [
        Warning(
            "The cache is local to each process: with more than one web process, "
            "team counts and the team page's action feed can lag behind changes "
            "to the tree.",
            hint="Set REDIS_URL (docs/operations.md).",
            id="network.W001",
        )
    ]
