"""Private storage for uploaded materials and generated documents: no public URL.

Files go out only through views that check who may see the case.
"""

from django.core.files.storage import Storage, storages


def private_storage() -> Storage:
    """The configured default storage (MEDIA_ROOT is never served; S3 objects are private)."""
    return storages["default"]
