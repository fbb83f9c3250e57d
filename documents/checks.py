"""System checks: what papers and licences need before the portal may run in production."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, register

from .signing import DEV_KEY_ID, MIN_SECRET_LENGTH, parse_keys

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "0.0.0.0"}


@register()
def licence_signing_keys_check(app_configs, **kwargs) -> list[Error]:
    """LICENCE_SIGNING_KEYS well-formed always; with DEBUG off, a real key must be set."""
    keys, problems = parse_keys(list(settings.LICENCE_SIGNING_KEYS))
    errors = [
        Error(f"LICENCE_SIGNING_KEYS: {problem}.", id="documents.E002") for problem in problems
    ]
    if settings.DEBUG:
        return errors
    hint = 'Set LICENCE_SIGNING_KEYS="kid:secret" (newest first); see .env.example.'
    if not keys:
        errors.append(
            Error(
                "No e-licence signing key is set (LICENCE_SIGNING_KEYS).",
                hint=hint,
                id="documents.E001",
            )
        )
    for key in keys:
        if key.kid == DEV_KEY_ID:
            errors.append(
                Error(
                    'LICENCE_SIGNING_KEYS holds the development key (id "dev"), refused when '
                    "DEBUG is off.",
                    hint=hint,
                    id="documents.E003",
                )
            )
        elif len(key.secret) < MIN_SECRET_LENGTH:
            errors.append(
                Error(
                    f"Licence signing key {key.kid!r} is shorter than {MIN_SECRET_LENGTH} "
                    "characters.",
                    hint=hint,
                    id="documents.E004",
                )
            )
    return errors


@register()
def site_url_check(app_configs, **kwargs) -> list[Error]:
    """Links in papers and SMS need the portal's public address when DEBUG is off."""
    if settings.DEBUG:
        return []
    site_url = settings.SITE_URL
    hint = "Set SITE_URL to the public address, e.g. https://zwfw.example.gov.cn."
    if not site_url:
        return [
            Error(
                "SITE_URL is empty: papers and SMS could not link to the portal.",
                hint=hint,
                id="documents.E005",
            )
        ]
    parts = urlsplit(site_url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return [Error("SITE_URL must be an https:// (or http://) address.", id="documents.E006")]
    if parts.hostname in LOCAL_HOSTS:
        return [
            Error(
                f"SITE_URL is the development address ({site_url}): papers and SMS would "
                "link to this machine.",
                hint=hint,
                id="documents.E007",
            )
        ]
    return []
