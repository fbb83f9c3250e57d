"""The in-portal message centre (消息中心): a person's inbox notices, read and unread."""

from django.db.models import QuerySet
from django.utils import timezone

from .models import Channel, Notice


def inbox_of(user) -> QuerySet[Notice]:
    """The user's in-portal messages, newest first."""
    return Notice.objects.filter(recipient=user, channel=Channel.INBOX).order_by(
        "-created_at", "-id"
    )


def inbox_unread_count(user) -> int:
    return Notice.objects.filter(
        recipient=user, channel=Channel.INBOX, read_at__isnull=True
    ).count()


def inbox_mark_read(user, *, ids: list[int] | None = None) -> int:
    """Mark the user's unread messages read (those of ``ids``, or all); how many were."""
    unread = Notice.objects.filter(recipient=user, channel=Channel.INBOX, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=timezone.now())
