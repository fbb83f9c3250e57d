"""Bench-only middleware: the SQL statements of each request, in its response headers."""

import time

from django.db import connection


class StatementCountMiddleware:
    """``X-Statements``: statements the request ran on its thread's connection (what
    ``django_assert_num_queries`` counts: every ``cursor.execute``, savepoints included;
    the implicit BEGIN and the COMMIT are not statements there); ``X-Statements-Ms``: their
    time in the database driver. First in the chain, so every middleware's queries count."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        count = 0
        spent = 0.0

        def counted(execute, sql, params, many, context):
            nonlocal count, spent
            count += 1
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                spent += time.perf_counter() - started

        with connection.execute_wrapper(counted):
            response = self.get_response(request)
        response["X-Statements"] = str(count)
        response["X-Statements-Ms"] = f"{spent * 1000:.1f}"
        return response
