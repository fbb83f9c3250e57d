"""The dashboard's tables as rows, and those rows as CSV or XLSX downloads."""

import csv
import io
from collections.abc import Callable, Iterable

from django.http import HttpResponse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from cases.models import Case

from .selectors import Dashboard, Figures

FIGURE_COLUMNS: list[tuple[str, Callable[[Figures], object]]] = [
    ("受理件数", lambda f: f.received),
    ("办结件数", lambda f: f.decided),
    ("最多跑一次率", lambda f: f.one_trip_rate),
    ("零跑动率", lambda f: f.zero_trip_rate),
    ("平均跑动次数", lambda f: f.mean_trips),
    ("件均提交材料", lambda f: f.mean_materials_brought),
    ("件均应交材料", lambda f: f.mean_materials_required),
    ("件均证照免交", lambda f: f.mean_by_licence),
    ("平均办理工作日", lambda f: f.mean_working_days),
    ("平均承诺时限", lambda f: f.mean_committed_days),
    ("平均法定时限", lambda f: f.mean_legal_days),
    ("按时办结率", lambda f: f.on_time_rate),
    ("即办件占比", lambda f: f.instant_share),
    ("满意率", lambda f: f.satisfaction_rate),
    ("评价数", lambda f: f.ratings),
    ("未办结差评整改", lambda f: f.open_followups),
]

FIGURE_TABLES = {
    "department": ("部门", "by_department"),
    "board": ("板块", "by_board"),
    "matter": ("事项", "by_matter"),
}
CASE_TABLES = {"nearly_due": _("临近到期（黄灯）"), "overdue": _("已超期（红灯）")}
TABLES = (*FIGURE_TABLES, *CASE_TABLES)
FORMATS = ("csv", "xlsx")


def figure_header(table: str) -> list[str]:
    return [FIGURE_TABLES[table][0]] + [name for name, _ in FIGURE_COLUMNS]


def figure_table(dashboard: Dashboard, table: str) -> tuple[list[str], list[list]]:
    """Header and rows of a figures table, the hall total last."""
    attribute = FIGURE_TABLES[table][1]
    header = figure_header(table)
    groups = [*getattr(dashboard, attribute), dashboard.total]
    rows = [[f.label] + [value(f) for _, value in FIGURE_COLUMNS] for f in groups]
    return header, rows


def case_table(cases: Iterable[Case]) -> tuple[list[str], list[list]]:
    """Header and rows of a list of open cases."""
    header = [
        _("办件编号"),
        _("事项"),
        _("主办部门"),
        _("状态"),
        _("受理日期"),
        _("预警日期"),
        _("办结期限"),
    ]
    rows = [
        [
            case.number,
            case.title,
            case.lead_department.name,
            case.get_status_display(),
            case.accepted_on,
            case.warning_on,
            case.deadline,
        ]
        for case in cases
    ]
    return header, rows


def _csv(header: list[str], rows: list[list]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(["" if value is None else value for value in row] for row in rows)
    # Excel on Chinese Windows opens UTF-8 CSV correctly only with a BOM.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _xlsx(title: str, header: list[str], rows: list[list]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def download(name: str, fmt: str, header: list[str], rows: list[list]) -> HttpResponse:
    # Lazy translations become plain text before a file is written.
    header = [str(cell) for cell in header]
    rows = [[str(cell) if isinstance(cell, Promise) else cell for cell in row] for row in rows]
    """The table as an attachment named ``name.fmt``."""
    if fmt == "xlsx":
        content = _xlsx(name, header, rows)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        content = _csv(header, rows)
        content_type = "text/csv; charset=utf-8"
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response
