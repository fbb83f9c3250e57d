"""System checks: what papers and licences need before the portal may run in production."""

from django.conf import settings
from django.core.checks import Error, register

from .signing import DEV_KEY_ID, MIN_SECRET_LENGTH, parse_keys


@register()
def licence_signing_keys_check(app_configs, **kwargs) -> list[Error]:
    """LICENCE_SIGNING_KEYS well-formed always; with DEBUG off, a real key must be set."""
    keys, problems = parse_keys(list(getattr(settings, "LICENCE_SIGNING_KEYS", [])))
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
                    "The development licence signing key is refused when DEBUG is off.",
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
    site_url = getattr(settings, "SITE_URL", "")
    if settings.DEBUG:
        return []
    if not site_url:
        return [
            Error(
                "SITE_URL is empty: papers and SMS could not link to the portal.",
                hint="Set SITE_URL to the public address, e.g. https://zwfw.example.gov.cn.",
                id="documents.E005",
            )
        ]
    if not site_url.startswith(("https://", "http://")):
        return [Error("SITE_URL must start with https:// (or http://).", id="documents.E006")]
    return []
