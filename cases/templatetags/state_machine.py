"""Templates ask the state machines, never compare status strings."""

from django import template
from django_fsm import can_proceed

register = template.Library()


@register.filter
def can(instance, action: str) -> bool:
    """Whether ``instance`` (a case, ticket or appointment) may take transition ``action`` now.

    ``{% if ticket|can:"recall" %}``: the transition's source states and guards decide.
    """
    return can_proceed(getattr(instance, action))
