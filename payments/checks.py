"""System checks of the payments: the simulated gateway lets the payer mark a fee paid, so a
deployment (DEBUG off) refuses it unless ``PAYMENT_ALLOW_SIMULATED`` says it is a demo."""

from django.conf import settings
from django.core.checks import Error, register

SIMULATED = "payments.gateways.SimulatedGateway"


@register()
def payment_gateway_check(app_configs, **kwargs) -> list[Error]:
    config = settings.PAYMENT_GATEWAY
    if settings.DEBUG or config.get("ALLOW_SIMULATED") or config["BACKEND"] != SIMULATED:
        return []
    return [
        Error(
            "The simulated payment gateway (anyone may mark a fee paid) is configured with "
            "DEBUG off.",
            hint="Set PAYMENT_GATEWAY_BACKEND=payments.gateways.HttpGateway with its URL, KEY "
            "and SECRET, or PAYMENT_ALLOW_SIMULATED=true for a demo; see docs/OPERATIONS.md.",
            id="payments.E001",
        )
    ]
