"""Setting the per-address rates (``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]``) in a test."""


def set_rates(settings, **rates: str) -> None:
    """Override some scopes' rates for this test; the others keep their values."""
    framework = dict(settings.REST_FRAMEWORK)
    framework["DEFAULT_THROTTLE_RATES"] = {**framework["DEFAULT_THROTTLE_RATES"], **rates}
    settings.REST_FRAMEWORK = framework
