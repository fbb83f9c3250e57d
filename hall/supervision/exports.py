"""The dashboard's tables as rows, and those rows as CSV or XLSX downloads."""

import csv
import io
from collections.abc import Callable, Iterable

from django.http import HttpResponse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from cases.models import Case

from .selectors import Dashboard, Figures

PERCENT = "percent"
NUMBER = "number"
TEXT = "text"
# The one rule for a rate, on the page, in CSV and in XLSX (there as a fraction formatted so).
PERCENT_FORMAT = "0.0%"


def percent(value: float | None) -> str:
    """A rate as shown everywhere: one decimal and a per cent sign (``66.7%``), ``—`` if none."""
    return "—" if value is None else f"{value * 100:.1f}%"


def shown(value: object, kind: str = NUMBER) -> str:
    """A figure as the page and the CSV show it."""
    if value is None:
        return "—"
    return percent(value) if kind == PERCENT else str(value)


# Headings stay Chinese in the downloads (CSV, XLSX, the report); the page translates them.
FIGURE_COLUMNS: list[tuple[str, Callable[[Figures], object], str]] = [
    (gettext_noop("受理件数"), lambda f: f.received, NUMBER),
    (gettext_noop("办结件数"), lambda f: f.decided, NUMBER),
    (gettext_noop("最多跑一次率"), lambda f: f.one_trip_rate, PERCENT),
    (gettext_noop("零跑动率"), lambda f: f.zero_trip_rate, PERCENT),
    (gettext_noop("承诺兑现率"), lambda f: f.promise_kept_rate, PERCENT),
    (gettext_noop("跑多次例外件数"), lambda f: f.exceptions, NUMBER),
    (gettext_noop("平均跑动次数"), lambda f: f.mean_trips, NUMBER),
    (gettext_noop("件均经办环节"), lambda f: f.mean_steps, NUMBER),
    (gettext_noop("件均提交材料"), lambda f: f.mean_materials_brought, NUMBER),
    (gettext_noop("件均应交材料"), lambda f: f.mean_materials_required, NUMBER),
    (gettext_noop("件均证照免交"), lambda f: f.mean_by_licence, NUMBER),
    (gettext_noop("数据共享免交材料"), lambda f: f.by_data, NUMBER),
    (gettext_noop("材料库复用材料"), lambda f: f.by_locker, NUMBER),
    (gettext_noop("平均办理工作日"), lambda f: f.mean_working_days, NUMBER),
    (gettext_noop("平均承诺时限"), lambda f: f.mean_committed_days, NUMBER),
    (gettext_noop("平均法定时限"), lambda f: f.mean_legal_days, NUMBER),
    (gettext_noop("按时办结率"), lambda f: f.on_time_rate, PERCENT),
    (gettext_noop("即办件占比"), lambda f: f.instant_share, PERCENT),
    (gettext_noop("满意率"), lambda f: f.satisfaction_rate, PERCENT),
    (gettext_noop("评价数"), lambda f: f.ratings, NUMBER),
    (gettext_noop("未办结差评整改"), lambda f: f.open_followups, NUMBER),
]

FIGURE_TABLES = {
    "hall": ("网点", "by_hall"),
    "level": ("网点层级", "by_level"),
    "department": ("部门", "by_department"),
    "board": ("板块", "by_board"),
    "matter": ("事项", "by_matter"),
}
# The city's network: more columns in the tables per hall and per level.
NETWORK_COLUMNS: list[tuple[str, Callable[[Figures], object], str]] = [
    (gettext_noop("市级中心受理"), lambda f: f.at_centre, NUMBER),
    (gettext_noop("就近网点受理"), lambda f: f.at_nearest, NUMBER),
    (gettext_noop("跨网点领取"), lambda f: f.cross_pickups, NUMBER),
    (gettext_noop("代办员代办"), lambda f: f.helped, NUMBER),
    (gettext_noop("上门代办"), lambda f: f.home_visits, NUMBER),
    (gettext_noop("取号数"), lambda f: f.tickets, NUMBER),
    (gettext_noop("平均等候（分钟）"), lambda f: f.mean_wait_minutes, NUMBER),
]
NETWORK_TABLES = ("hall", "level")


def level_label(figures: Figures) -> str:
    from halls.models import HallLevel

    return str(HallLevel(figures.level).label) if figures.level else "—"


def figure_columns(table: str) -> list[tuple[str, Callable[[Figures], object], str]]:
    """The columns of a figures table after its label: the hall's level first in the table
    per hall, the network's columns last in the tables per hall and level."""
    columns = list(FIGURE_COLUMNS)
    if table in NETWORK_TABLES:
        columns += NETWORK_COLUMNS
    if table == "hall":
        columns.insert(0, (gettext_noop("层级"), level_label, TEXT))
    return columns


PEOPLE_TABLES = {"window": _("窗口"), "staff": _("工作人员")}
WINDOW_COLUMNS = [
    (_("窗口号"), "number", NUMBER),
    (_("窗口"), "name", TEXT),
    (_("网点"), "hall", TEXT),
    (_("叫号数"), "tickets_called", NUMBER),
    (_("办结取号数"), "tickets_served", NUMBER),
    (_("办件数"), "cases", NUMBER),
    (_("平均等候（分钟）"), "mean_wait_minutes", NUMBER),
    (_("评价数"), "ratings", NUMBER),
    (_("满意率"), "satisfaction_rate", PERCENT),
]
STAFF_COLUMNS = [
    (_("工作人员"), "name", TEXT),
    (_("部门"), "department", TEXT),
    (_("网点"), "hall", TEXT),
    (_("经办件数"), "cases", NUMBER),
    (_("接待跑动次数"), "visits", NUMBER),
    (_("叫号数"), "tickets_called", NUMBER),
    (_("平均等候（分钟）"), "mean_wait_minutes", NUMBER),
    (_("评价数"), "ratings", NUMBER),
    (_("满意率"), "satisfaction_rate", PERCENT),
]
CASE_TABLES = {"nearly_due": _("临近到期（黄灯）"), "overdue": _("已超期（红灯）")}
# 网上缴费: the fees paid in the range and the share paid online (one row).
FEE_TABLES = {"fees": _("网上缴费")}
TABLES = (*FIGURE_TABLES, *PEOPLE_TABLES, *CASE_TABLES, *FEE_TABLES)


def fee_table(fees: dict) -> tuple[list, list[list], list[str]]:
    """Header, the one row and the kinds of the fees table (``hall.supervision.fees``)."""
    header = [
        gettext_noop("已缴费件数"),
        gettext_noop("网上缴费件数"),
        gettext_noop("网上缴费占比"),
    ]
    row = [fees["fees_paid"], fees["fees_paid_online"], fees["online_payment_share"]]
    return header, [row], [NUMBER, NUMBER, PERCENT]


def people_columns(table: str) -> list:
    return WINDOW_COLUMNS if table == "window" else STAFF_COLUMNS


def people_table(figures: dict, table: str) -> tuple[list, list[list], list[str]]:
    """Header, rows and column kinds of the per-window or per-staff table."""
    columns = people_columns(table)
    source = figures["windows" if table == "window" else "staff"]
    rows = [[row[key] for _label, key, _kind in columns] for row in source]
    return [label for label, _key, _kind in columns], rows, [kind for *_rest, kind in columns]


def people_cells(row: dict, table: str) -> list[tuple[str, bool]]:
    """Each cell as shown, and whether it is text (aligned left)."""
    return [(shown(row[key], kind), kind == TEXT) for _label, key, kind in people_columns(table)]


FORMATS = ("csv", "xlsx")


def figure_header(table: str) -> list[str]:
    return [FIGURE_TABLES[table][0]] + [name for name, _value, _kind in figure_columns(table)]


def figure_kinds(table: str = "department") -> list[str]:
    """Each column's kind (the label column first), for the downloads' formatting."""
    return [TEXT] + [kind for _name, _value, kind in figure_columns(table)]


def figure_cells(figures: Figures, table: str = "department") -> list[str]:
    """A figures row as the page shows it (the label apart)."""
    return [shown(value(figures), kind) for _name, value, kind in figure_columns(table)]


def figure_table(dashboard: Dashboard, table: str) -> tuple[list[str], list[list]]:
    """Header and rows of a figures table, the hall total last."""
    attribute = FIGURE_TABLES[table][1]
    header = figure_header(table)
    groups = [*getattr(dashboard, attribute), dashboard.total]
    columns = figure_columns(table)
    rows = [[f.label] + [value(f) for _name, value, _kind in columns] for f in groups]
    return header, rows


def case_table(cases: Iterable[Case]) -> tuple[list[str], list[list]]:
    """Header and rows of a list of open cases."""
    header = [
        _("办件编号"),
        _("事项"),
        _("主办部门"),
        _("受理网点"),
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
            case.hall.name if case.hall_id else "",
            case.get_status_display(),
            case.accepted_on,
            case.warning_on,
            case.deadline,
        ]
        for case in cases
    ]
    return header, rows


def _csv(header: list[str], rows: list[list], kinds: list[str]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(
        [
            percent(value) if kind == PERCENT else ("" if value is None else value)
            for value, kind in zip(row, kinds, strict=False)
        ]
        for row in rows
    )
    # Excel on Chinese Windows opens UTF-8 CSV correctly only with a BOM.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _xlsx(title: str, header: list[str], rows: list[list], kinds: list[str]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append(header)
    for row in rows:
        cells = []
        for value, kind in zip(row, kinds, strict=False):
            cell = WriteOnlyCell(sheet, value=value)
            if kind == PERCENT:
                cell.number_format = PERCENT_FORMAT
            cells.append(cell)
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def download(
    name: str, fmt: str, header: list[str], rows: list[list], kinds: list[str] | None = None
) -> HttpResponse:
    """The table as an attachment named ``name.fmt``; ``kinds`` marks the rate columns."""
    # Lazy translations become plain text before a file is written.
    header = [str(cell) for cell in header]
    rows = [[str(cell) if isinstance(cell, Promise) else cell for cell in row] for row in rows]
    kinds = kinds or [NUMBER] * len(header)
    if fmt == "xlsx":
        content = _xlsx(name, header, rows, kinds)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        content = _csv(header, rows, kinds)
        content_type = "text/csv; charset=utf-8"
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response
