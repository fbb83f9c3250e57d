"""Paired measure of what the compiled reads' and writes' shortcuts save an acceptance: the CPU
of ``POST /api/v1/cases/<number>/accept/`` with them and without them, alternated call by call
in one process.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/onetrip_paired_bench \
        .venv/bin/python bench/accept_paired.py [--accepts 400] [--off row_layout,as_is]
        [--seed 17]

The request goes through the real URLconf and middleware with an API token (Django's test
client, no network); tasks are queued in memory and not run. Both variants see the same
machine in the same moments, so the paired difference is measured to a few hundredths of a
millisecond where the HTTP bench's runs move by milliseconds with the machine's speed.
Switched off with ``--off``:

- ``row_layout``: compiled reads (``accounts.compiled.rows_by``) build their rows through
  Django's own ``ModelIterable``, which works out the statement's row layout at every run;
- ``as_is``: compiled writes (``insert_rows``, ``update_row``) prepare every value through
  its field, as Django does;
- ``carried``: the writes ``accounts.carried`` sends with the next statement (the case's and
  its materials' UPDATE) are sent on their own, each a round trip: this one shows in the
  wall-clock difference, not in the CPU.

Needs a database of its own whose name ends in ``bench`` (created and migrated); the
catalog, clerk and citizens of ``lifecycle.py`` are made there if missing. See
bench/README.md.
"""

import argparse
import logging
import os
import random
import statistics
import sys
import tempfile
import time
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lifecycle  # also puts the project on the path
from benchdb import bench_database_url, ensure_database
from timing import median_interval, percentile

SHORTCUTS = ("row_layout", "as_is", "carried")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accepts", type=int, default=400, help="acceptances per variant")
    parser.add_argument(
        "--off",
        default="row_layout,as_is",
        help=f"shortcuts switched off in the other variant ({', '.join(SHORTCUTS)})",
    )
    parser.add_argument("--seed", type=int, default=17)
    args = parser.parse_args()
    off = {name for name in args.off.split(",") if name}
    if not off or off - set(SHORTCUTS):
        parser.error(f"--off takes some of: {', '.join(SHORTCUTS)}")

    url = bench_database_url("accept_paired.py")
    ensure_database(url)
    os.environ["MEDIA_ROOT"] = tempfile.mkdtemp(prefix="onetrip-accept-paired-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hall.settings")
    import django

    warnings.filterwarnings("ignore", message="No directory at")
    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections
    from django.test import Client
    from knox.models import AuthToken

    from accounts import compiled

    settings.DEBUG = False
    logging.disable(logging.INFO)
    call_command("migrate", verbosity=0)
    lifecycle.configure_tasks(run=False)
    rng = random.Random(args.seed)
    lifecycle.build_catalog(rng)
    actors = lifecycle.Actors()
    warm = 10
    print(f"making {2 * args.accepts + warm} submitted cases…")
    cases = [lifecycle.submitted_case(actors, rng) for _ in range(2 * args.accepts + warm)]
    _token, key = AuthToken.objects.create(user=actors.clerk)
    client = Client()

    def at_once(sql, params, *, using="default"):
        with connections[using].cursor() as cursor:
            cursor.execute(sql, params)

    # name → the attribute of ``accounts.compiled`` it is, and what stands in without it
    stand_ins = {
        "row_layout": ("_LaidOutRows", compiled.ModelIterable),
        "as_is": ("_as_is", lambda fields, connection: (None,) * len(fields)),
        "carried": ("write_later", at_once),
    }
    originals = {name: getattr(compiled, stand_ins[name][0]) for name in off}
    current = [None]

    def use(on: bool) -> None:
        if current[0] is on:
            return
        current[0] = on
        for name in off:
            attribute, stand_in = stand_ins[name]
            setattr(compiled, attribute, originals[name] if on else stand_in)
        # Written statements keep the kinds of their values: write them again.
        compiled._insert_kinds.clear()
        compiled._updates.clear()

    def accept(case) -> tuple[float, float]:
        cpu, wall = time.thread_time(), time.perf_counter()
        response = client.post(
            f"/api/v1/cases/{case.number}/accept/",
            {},
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Token {key}",
        )
        took = (time.thread_time() - cpu) * 1000, (time.perf_counter() - wall) * 1000
        assert response.status_code == 200, response.content[:300]
        return took

    use(True)
    for case in cases[:warm]:
        accept(case)
    on, other = [], []
    # Pairs in alternating order (on, off), (off, on), …: neither always goes first.
    for n, (first, second) in enumerate(zip(cases[warm::2], cases[warm + 1 :: 2], strict=True)):
        order = (True, False) if n % 2 == 0 else (False, True)
        for flag, case in zip(order, (first, second), strict=True):
            use(flag)
            (on if flag else other).append(accept(case))
    differences = [a[0] - b[0] for a, b in zip(on, other, strict=True)]
    low, high = median_interval(differences, seed=args.seed)
    walls = [a[1] - b[1] for a, b in zip(on, other, strict=True)]
    wall_low, wall_high = median_interval(walls, seed=args.seed)
    print(
        f"\n{args.accepts} acceptances each, shortcuts off in the other: {', '.join(sorted(off))}"
    )
    for label, rows in (("as it is", on), ("without", other)):
        cpu = [c for c, _w in rows]
        wall = [w for _c, w in rows]
        print(
            f"  {label:9}  CPU median {statistics.median(cpu):6.2f} ms, mean "
            f"{statistics.mean(cpu):6.2f} ms; wall p50 {percentile(wall, 50):6.2f} ms, "
            f"p95 {percentile(wall, 95):6.2f} ms"
        )
    print(
        f"  paired CPU difference (as it is − without): median "
        f"{statistics.median(differences):+.3f} ms, 90 % interval "
        f"{low:+.3f} to {high:+.3f} ms"
    )
    print(
        f"  paired wall-clock difference: median {statistics.median(walls):+.3f} ms, "
        f"90 % interval {wall_low:+.3f} to {wall_high:+.3f} ms"
    )


if __name__ == "__main__":
    main()
