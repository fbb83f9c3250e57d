"""Reading PostgreSQL's ``EXPLAIN (ANALYZE, FORMAT JSON)`` plans in tests."""

from django.db import connection


def explained(sql: str) -> dict:
    """The root node of the executed plan of ``sql`` (run: use it inside the test's
    transaction)."""
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}")
        (plan,) = cursor.fetchone()[0]
    return plan["Plan"]


def scans(plan: dict) -> list[tuple[str, int]]:
    """(table, rows read over all loops) of every scan in a plan: the rows the scan returned
    and those it read and threw away (its filter, a bitmap's recheck). A scan that reads a
    whole table to keep a page of it counts the whole table."""
    table = plan.get("Relation Name")
    found = []
    if table is not None:
        per_loop = (
            plan["Actual Rows"]
            + plan.get("Rows Removed by Filter", 0)
            + plan.get("Rows Removed by Index Recheck", 0)
        )
        found.append((table, int(per_loop * plan["Actual Loops"])))
    for child in plan.get("Plans", []):
        found += scans(child)
    return found
