"""Bench-only middleware: the SQL statements of each request, in its response headers."""

import cProfile
import gc
import itertools
import json
import os
import threading
import time
from pathlib import Path

from django.db import connection

# With --trace the bench names this file, and marks the requests to trace (X-Bench-Trace).
TRACE_FILE = os.environ.get("BENCH_TRACE_FILE", "")
# With --server-profile the bench names this folder: every request marked with
# ``X-Bench-Step: <step>`` is run under cProfile (its thread only) and its stats saved there
# as ``<step>.<pid>.<n>.prof``, merged per step by the bench at the end.
PROFILE_DIR = os.environ.get("BENCH_PROFILE_DIR", "")
_profiled = itertools.count(1)  # next() is atomic under the GIL

# CPU time each thread spent in Python's garbage collector: a collection runs on the thread
# whose allocation triggered it, inside whatever that thread was serving.
_collector = threading.local()


def _time_collections(phase: str, _info: dict) -> None:
    if phase == "start":
        _collector.started = time.thread_time()
    elif hasattr(_collector, "started"):
        spent = time.thread_time() - _collector.started
        _collector.spent = getattr(_collector, "spent", 0.0) + spent


gc.callbacks.append(_time_collections)


class StatementCountMiddleware:
    """``X-Statements``: statements the request ran on its thread's connection (what
    ``django_assert_num_queries`` counts: every ``cursor.execute``, savepoints included;
    the implicit BEGIN and the COMMIT are not statements there); ``X-Statements-Ms``: their
    time in the database driver; ``X-CPU-Ms``: the CPU time of the thread that served it.
    First in the chain, so every middleware's queries count.
    A request with ``X-Bench-Trace: <step>`` also has its statements appended to
    ``BENCH_TRACE_FILE``; ``X-GC-Ms``: the part of ``X-CPU-Ms`` spent in Python's garbage
    collector."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        cpu = time.thread_time()
        collected = getattr(_collector, "spent", 0.0)
        count = 0
        spent = 0.0
        trace = request.headers.get("X-Bench-Trace", "") if TRACE_FILE else ""
        statements: list[tuple[str, float]] = []  # sql, ms

        def counted(execute, sql, params, many, context):
            nonlocal count, spent
            count += 1
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                took = time.perf_counter() - started
                spent += took
                if trace:
                    statements.append((sql, round(took * 1000, 2)))

        step = request.headers.get("X-Bench-Step", "") if PROFILE_DIR else ""
        with connection.execute_wrapper(counted):
            if step:
                profiler = cProfile.Profile()
                response = profiler.runcall(self.get_response, request)
                name = f"{step}.{os.getpid()}.{next(_profiled)}.prof"
                profiler.dump_stats(Path(PROFILE_DIR) / name)
            else:
                response = self.get_response(request)
        response["X-Statements"] = str(count)
        response["X-Statements-Ms"] = f"{spent * 1000:.1f}"
        # CPU time of the serving thread (a paper's render included; waiting for the GIL, the
        # database or a lock is not CPU): the server's own cost, whatever the machine's load.
        response["X-CPU-Ms"] = f"{(time.thread_time() - cpu) * 1000:.1f}"
        # Of which in the garbage collector.
        response["X-GC-Ms"] = f"{(getattr(_collector, 'spent', 0.0) - collected) * 1000:.2f}"
        if trace:
            with open(TRACE_FILE, "a", encoding="utf-8") as sink:
                sink.write(json.dumps({"step": trace, "statements": statements}) + "\n")
        return response
