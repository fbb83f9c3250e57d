"""Who is calling: the session's user, or an API client by the API's own authentication.

Plain Django views that serve files (papers, uploaded materials) are linked from the API, so
an API client must be able to follow those links with the credential it already uses.
"""

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from rest_framework.exceptions import APIException
from rest_framework.request import Request
from rest_framework.settings import api_settings

from .models import User


def request_caller(request: HttpRequest) -> User | AnonymousUser:
    """The signed-in user, else whoever ``REST_FRAMEWORK``'s authentication classes accept.

    A bad or expired credential counts as nobody (the caller then sees the same 404 as any
    stranger, which reveals nothing).
    """
    if request.user.is_authenticated:
        return request.user
    authenticators = [cls() for cls in api_settings.DEFAULT_AUTHENTICATION_CLASSES]
    try:
        return Request(request, authenticators=authenticators).user
    except APIException:
        return AnonymousUser()
