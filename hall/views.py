"""Pages that sit on top of every app."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def home(request: HttpRequest) -> HttpResponse:
    """The portal's home page: search box, boards, most-used matters."""
    return render(request, "hall/home.html", {})
