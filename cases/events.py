"""What happens after a case event is decided elsewhere (``hall/reactions.py``).

``cases`` only announces its events; the top floor registers what follows each action.
Reactions run inside the transition's transaction and only record what must happen
(outbox rows, document and shipment records); real work runs after commit.
"""

from collections import defaultdict
from collections.abc import Callable

from .models import CaseEvent

Reaction = Callable[[CaseEvent], None]
_reactions: dict[str, list[Reaction]] = defaultdict(list)


def register(action: str, reaction: Reaction) -> None:
    """Run ``reaction`` for every event with this action (``"*"`` for all)."""
    if reaction not in _reactions[action]:
        _reactions[action].append(reaction)


def announce(event: CaseEvent) -> None:
    """Run the reactions registered for the event's action."""
    for reaction in [*_reactions[event.action], *_reactions["*"]]:
        reaction(event)
