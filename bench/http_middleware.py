"""Bench-only middleware: the SQL statements of each request, in its response headers."""

import json
import os
import time

from django.db import connection

# With --trace the bench names this file, and marks the requests to trace (X-Bench-Trace).
TRACE_FILE = os.environ.get("BENCH_TRACE_FILE", "")


class StatementCountMiddleware:
    """``X-Statements``: statements the request ran on its thread's connection (what
    ``django_assert_num_queries`` counts: every ``cursor.execute``, savepoints included;
    the implicit BEGIN and the COMMIT are not statements there); ``X-Statements-Ms``: their
    time in the database driver. First in the chain, so every middleware's queries count.
    A request with ``X-Bench-Trace: <step>`` also has its statements appended to
    ``BENCH_TRACE_FILE``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        count = 0
        spent = 0.0
        trace = request.headers.get("X-Bench-Trace", "") if TRACE_FILE else ""
        statements: list[str] = []

        def counted(execute, sql, params, many, context):
            nonlocal count, spent
            count += 1
            if trace:
                statements.append(sql)
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                spent += time.perf_counter() - started

        with connection.execute_wrapper(counted):
            response = self.get_response(request)
        response["X-Statements"] = str(count)
        response["X-Statements-Ms"] = f"{spent * 1000:.1f}"
        if trace:
            with open(TRACE_FILE, "a", encoding="utf-8") as sink:
                sink.write(json.dumps({"step": trace, "statements": statements}) + "\n")
        return response
