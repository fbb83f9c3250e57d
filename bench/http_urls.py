"""URLs of the HTTP bench's server: the project's own (``hall.urls``, unchanged) plus
``POST /bench/insert/``, one row into ``bench_ping`` through the same stack (gunicorn,
every middleware, DRF with the project's token authentication), the bench's baseline."""

from django.db import connection
from django.urls import path
from rest_framework import permissions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from hall import urls as hall_urls


class BareInsertView(APIView):
    """One INSERT (autocommit) of a row into ``bench_ping``, created by the bench."""

    permission_classes = [permissions.IsAuthenticated]

    def post(self, request):
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO bench_ping (user_id) VALUES (%s) RETURNING id", [request.user.pk]
            )
            (ping_id,) = cursor.fetchone()
        return Response({"id": ping_id}, status=status.HTTP_201_CREATED)


urlpatterns = [
    path("bench/insert/", BareInsertView.as_view(), name="bench-insert"),
    *hall_urls.urlpatterns,
]
handler400 = hall_urls.handler400
handler403 = hall_urls.handler403
handler404 = hall_urls.handler404
handler500 = hall_urls.handler500
