"""The errors the hall floor's services raise (the API maps them to ``{"detail", "code"}``)."""

from accounts.exceptions import DomainError


class TicketError(DomainError):
    """A ticket or window operation that the queue refuses."""

    code = "invalid_ticket"


class TicketTransitionError(TicketError):
    status_code = 409
    code = "invalid_transition"


class WindowBusyError(TicketError):
    """The window is calling already, or its current ticket is not the one the clerk saw."""

    status_code = 409
    code = "window_busy"


class AppointmentError(DomainError):
    """A booking the hall refuses."""

    code = "invalid_appointment"


class SlotFullError(AppointmentError):
    status_code = 409
    code = "slot_full"
