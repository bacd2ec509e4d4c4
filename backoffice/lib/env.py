"""Typed readers for environment settings that fail loudly on bad values."""

from __future__ import annotations

import os
from collections.abc import Mapping
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off", ""})


def _raw(name: str, environ: Mapping[str, str] | None) -> str | None:
    source = os.environ if environ is None else environ
    value = source.get(name)
    return None if value is None else value.strip()


def env_str(
    name: str, default: str, *, environ: Mapping[str, str] | None = None
) -> str:
    value = _raw(name, environ)
    return default if value is None or value == "" else value


def env_bool(
    name: str, default: bool, *, environ: Mapping[str, str] | None = None
) -> bool:
    value = _raw(name, environ)
    if value is None:
        return default
    lowered = value.lower()
    if lowered in TRUE_WORDS:
        return True
    if lowered in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(
        f"{name}={value!r} is not a boolean; use one of 1/0, true/false, yes/no, on/off"
    )


def env_int(
    name: str,
    default: int,
    *,
    minimum: int | None = None,
    environ: Mapping[str, str] | None = None,
) -> int:
    value = _raw(name, environ)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not an integer") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name}={number} must be at least {minimum}")
    return number


def env_list(
    name: str, default: list[str], *, environ: Mapping[str, str] | None = None
) -> list[str]:
    value = _raw(name, environ)
    if value is None or value == "":
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def mailer_from_url(url: str) -> dict[str, object]:
    """Translate an EMAIL_URL into a Django ``MAILERS`` entry.

    Supported: ``console://``, ``file:///absolute/dir`` (one file per message),
    ``locmem://``, ``smtp://user:password@host:port`` (STARTTLS with ``?tls=1``)
    and ``smtps://…`` (implicit TLS).
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "console":
        return {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if scheme == "locmem":
        return {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    if scheme == "file":
        if not parts.path:
            raise ImproperlyConfigured(f"EMAIL_URL={url!r} needs a directory path")
        return {
            "BACKEND": "backoffice.lib.mail.FilePerMessageBackend",
            "OPTIONS": {"file_path": unquote(parts.path)},
        }
    if scheme in {"smtp", "smtps"}:
        if not parts.hostname:
            raise ImproperlyConfigured(f"EMAIL_URL={url!r} needs a host name")
        query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        try:
            port = parts.port or (465 if scheme == "smtps" else 587)
        except ValueError:
            raise ImproperlyConfigured(f"EMAIL_URL={url!r} has a bad port") from None
        return {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": parts.hostname,
                "port": port,
                "username": unquote(parts.username or ""),
                "password": unquote(parts.password or ""),
                "use_ssl": scheme == "smtps",
                "use_tls": scheme == "smtp"
                and query.get("tls", "").lower() in TRUE_WORDS,
                "timeout": 30,
            },
        }
    raise ImproperlyConfigured(
        f"EMAIL_URL={url!r}: unknown scheme {scheme!r} "
        "(use console, file, locmem, smtp or smtps)"
    )
