"""The supervision dashboard pages: figures, charts, lists and their downloads."""

import datetime
from collections.abc import Iterable

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Department
from cases.access import is_supervisor
from halls.models import Hall
from matters.models import Board, Matter

from . import exports
from .fees import fee_figures
from .selectors import (
    Dashboard,
    Figures,
    Scope,
    cases_nearly_due,
    cases_overdue,
    queue_figures,
    supervision_figures,
    window_staff_figures,
)

MAX_RANGE_DAYS = 366 * 3
# Rows per table on the page (the busiest first, the earliest deadline first); the downloads
# hold them all (up to ``selectors.LIST_LIMIT`` cases).
PAGE_ROWS = 30
PAGE_CASES = 50


class ScopeForm(forms.Form):
    """The dashboard's query string: a date range and optional filters by code."""

    start = forms.DateField(label=_("起始日期"), required=False)
    end = forms.DateField(label=_("截止日期"), required=False)
    department = forms.ModelChoiceField(
        Department.objects.order_by("code"),
        label=_("部门"),
        required=False,
        to_field_name="code",
        empty_label=_("全部部门"),
    )
    board = forms.ModelChoiceField(
        Board.objects.order_by("order", "code"),
        label=_("板块"),
        required=False,
        to_field_name="code",
        empty_label=_("全部板块"),
    )
    hall = forms.ModelChoiceField(
        Hall.objects.order_by("order", "code"),
        label=_("受理网点"),
        required=False,
        to_field_name="code",
        empty_label=_("全部网点"),
    )
    matter = forms.CharField(
        label=_("事项"),
        required=False,
        max_length=120,
        widget=forms.TextInput(
            attrs={
                "placeholder": _("事项名称或编码"),
                "list": "sv-matter-options",
                "autocomplete": "off",
                "data-matter-search": "/api/v1/matters/",
            }
        ),
    )

    def clean_matter(self) -> Matter | None:
        """A matter by its code or its exact name (the autocomplete offers names)."""
        value = (self.cleaned_data.get("matter") or "").strip()
        if not value:
            return None
        found = list(Matter.objects.filter(Q(code=value) | Q(name=value)).order_by("code")[:5])
        by_code = [m for m in found if m.code == value]
        if by_code:
            return by_code[0]
        if not found:
            raise forms.ValidationError(_("没有名称或编码为“%(v)s”的事项。") % {"v": value})
        if len(found) > 1:
            raise forms.ValidationError(_("有多个事项叫这个名称，请输入事项编码。"))
        return found[0]

    def clean(self):
        data = super().clean()
        default = Scope.default()
        data["start"] = data.get("start") or (
            default.start if not self.errors.get("start") else None
        )
        data["end"] = data.get("end") or (default.end if not self.errors.get("end") else None)
        start, end = data.get("start"), data.get("end")
        if start and end:
            if start > end:
                self.add_error("end", _("截止日期不能早于起始日期。"))
            elif (end - start).days > MAX_RANGE_DAYS:
                self.add_error("start", _("日期范围最长三年。"))
        latest = timezone.localdate() + datetime.timedelta(days=366)
        if end and end > latest:
            self.add_error("end", _("截止日期不能晚于%(d)s。") % {"d": latest.isoformat()})
        return data

    def scope(self) -> Scope:
        data = self.cleaned_data
        return Scope(
            start=data["start"],
            end=data["end"],
            department_id=data["department"].id if data.get("department") else None,
            board_id=data["board"].id if data.get("board") else None,
            matter_id=data["matter"].id if data.get("matter") else None,
            hall_id=data["hall"].id if data.get("hall") else None,
        )


def _require_supervisor(request: HttpRequest) -> None:
    if not is_supervisor(request.user):
        raise PermissionDenied


def _scope(request: HttpRequest) -> tuple[ScopeForm, Scope | None]:
    form = ScopeForm(request.GET or None)
    if not request.GET:
        form = ScopeForm(
            {"start": Scope.default().start.isoformat(), "end": Scope.default().end.isoformat()}
        )
    return form, (form.scope() if form.is_valid() else None)


CHARTS = [
    (_("最多跑一次率"), "one_trip_rate", True),
    (_("按时办结率"), "on_time_rate", True),
    (_("平均办理工作日"), "mean_working_days", False),
    (_("满意率"), "satisfaction_rate", True),
]
# The page's headings of the figure tables (the XLSX keeps exports.FIGURE_TABLES' Chinese).
TABLE_HEADINGS = {
    "hall": _("按网点"),
    "level": _("按网点层级"),
    "department": _("按部门"),
    "board": _("按板块"),
    "matter": _("按事项"),
    "window": _("按窗口"),
    "staff": _("按工作人员"),
}
BAR_HEIGHT = 22
LABEL_WIDTH = 180
PLOT_WIDTH = 360


def bar_chart(title: str, groups: list[Figures], attribute: str, percent: bool) -> dict:
    """Geometry of a horizontal SVG bar chart, drawn by ``supervision/_bar_chart.html``."""
    values = [(f.label, getattr(f, attribute)) for f in groups[:15]]
    top = max((v for _, v in values if v is not None), default=0) or 1
    if percent:
        top = max(top, 1)
    bars = []
    # Coordinates as text: SVG wants a decimal point whatever the language, and the template
    # need not localise some 300 numbers.
    for index, (label, value) in enumerate(values):
        width = 0 if value is None else round(PLOT_WIDTH * value / top, 1)
        shown = exports.shown(value, exports.PERCENT if percent else exports.NUMBER)
        bars.append(
            {
                "label": label,
                "short_label": Truncator(label).chars(14),
                "value": shown,
                "y": str(index * BAR_HEIGHT + 3),
                "width": str(width),
                "text_x": str(LABEL_WIDTH + width + 4),
                "text_y": str(index * BAR_HEIGHT + 15),
            }
        )
    return {
        "title": title,
        "bars": bars,
        "label_width": str(LABEL_WIDTH),
        "label_x": str(LABEL_WIDTH - 6),
        "width": str(LABEL_WIDTH + PLOT_WIDTH + 70),
        "height": str(max(len(bars), 1) * BAR_HEIGHT),
    }


# The page's tables hold ~3,500 cells: rendered by a template node each, they cost most of the
# page's rendering, so their cells are escaped and joined here, once (the rows, headings and
# everything else stay in the templates).


def _cells(values: Iterable[object], tag: str = "td") -> SafeString:
    """``<td>…</td>`` per value, escaped, as ``{{ value }}`` in a ``<td>`` renders a string."""
    return mark_safe("".join(f"<{tag}>{escape(value)}</{tag}>" for value in values))


def _headings(headings: Iterable[str]) -> SafeString:
    """``<th scope="col">…</th>`` per heading, translated as ``{% translate heading %}``."""
    return mark_safe(
        "".join(
            f'<th scope="col">{escape(gettext(str(h).replace("%", "%%")).replace("%%", "%"))}</th>'
            for h in headings
        )
    )


def _day(value: datetime.date | None) -> str:
    """A date as ``{{ value|date:"Y-m-d" }}`` shows it."""
    return value.isoformat() if value else ""


def _case_lists(scope: Scope) -> dict:
    """The red and yellow lists, their first ``PAGE_CASES`` cases (and their cells, for the
    page) and whether there are more."""
    lists = {}
    for name, select in (("overdue", cases_overdue), ("nearly_due", cases_nearly_due)):
        cases = select(scope, limit=PAGE_CASES + 1)
        lists[name] = cases[:PAGE_CASES]
        lists[f"{name}_rows"] = [
            _cells(
                (
                    case.number,
                    case.title,
                    case.lead_department.name,
                    case.get_status_display(),
                    _day(case.accepted_on),
                    _day(case.warning_on),
                    _day(case.deadline),
                )
            )
            for case in lists[name]
        ]
        lists[f"{name}_more"] = len(cases) > PAGE_CASES
    return lists


def _people_tables(figures: dict) -> list[dict]:
    return [
        {
            "name": name,
            "title": title,
            "heading": TABLE_HEADINGS[name],
            "header": [label for label, _key, _kind in exports.people_columns(name)],
            "rows": [
                exports.people_cells(row, name)
                for row in figures["windows" if name == "window" else "staff"][:PAGE_ROWS]
            ],
        }
        for name, title in exports.PEOPLE_TABLES.items()
    ]


def _page_people_tables(figures: dict) -> list[dict]:
    """The per-window and per-staff tables with their headings and cells as HTML (text cells
    aligned left)."""
    tables = _people_tables(figures)
    for table in tables:
        table["headings"] = _headings(table["header"])
        table["columns"] = len(table["header"])
        table["cells"] = [
            mark_safe(
                "".join(
                    f'<td class="sv-text">{escape(cell)}</td>'
                    if text
                    else f"<td>{escape(cell)}</td>"
                    for cell, text in cells
                )
            )
            for cells in table["rows"]
        ]
    return tables


def _figure_tables(figures: Dashboard) -> list[dict]:
    """The tables per hall, level, department, board and matter: their first ``PAGE_ROWS``
    rows, labels apart, with their cells as HTML."""
    tables = []
    for name, (title, attribute) in exports.FIGURE_TABLES.items():
        header = exports.figure_header(name)
        groups = getattr(figures, attribute)
        tables.append(
            {
                "name": name,
                "title": title,
                "heading": TABLE_HEADINGS[name],
                "headings": _headings(header),
                "columns": len(header),
                "rows": [
                    (group.label, _cells(exports.figure_cells(group, name)))
                    for group in groups[:PAGE_ROWS]
                ],
                "more": max(len(groups) - PAGE_ROWS, 0),
            }
        )
    return tables


def _report_month_default() -> str:
    """The last full month, for the 督查专报 link."""
    first = timezone.localdate().replace(day=1)
    return (first - datetime.timedelta(days=1)).strftime("%Y-%m")


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """The supervision dashboard for a date range (default: the last 30 days)."""
    _require_supervisor(request)
    form, scope = _scope(request)
    context: dict = {"form": form, "today": timezone.localdate()}
    if scope is not None:
        figures: Dashboard = supervision_figures(scope)
        context.update(
            dashboard=figures,
            tables=_figure_tables(figures),
            charts=[
                bar_chart(title, figures.by_department, attribute, percent)
                for title, attribute, percent in CHARTS
            ],
            **_case_lists(scope),
            queue=queue_figures(scope),
            people_tables=_page_people_tables(window_staff_figures(scope)),
            report_month=_report_month_default(),
            fees=fee_figures(scope),
            query=request.GET.urlencode(),
        )
    return render(request, "supervision/dashboard.html", context, status=200 if scope else 400)


@login_required
def export(request: HttpRequest, table: str, fmt: str) -> HttpResponse:
    """One dashboard table as CSV or XLSX, for the same range and filters as the page."""
    _require_supervisor(request)
    if table not in exports.TABLES or fmt not in exports.FORMATS:
        raise Http404
    form, scope = _scope(request)
    if scope is None:
        return HttpResponse(form.errors.as_text(), status=400, content_type="text/plain")
    if table in exports.FIGURE_TABLES:
        header, rows = exports.figure_table(supervision_figures(scope), table)
        kinds = exports.figure_kinds(table)
    elif table in exports.PEOPLE_TABLES:
        header, rows, kinds = exports.people_table(window_staff_figures(scope), table)
    elif table in exports.FEE_TABLES:
        header, rows, kinds = exports.fee_table(fee_figures(scope))
    else:
        cases = cases_overdue(scope) if table == "overdue" else cases_nearly_due(scope)
        header, rows = exports.case_table(cases)
        kinds = None
    name = f"supervision-{table}-{scope.start:%Y%m%d}-{scope.end:%Y%m%d}"
    return exports.download(name, fmt, header, rows, kinds)


REPORT_COLUMNS = (
    "受理件数",
    "办结件数",
    "最多跑一次率",
    "承诺兑现率",
    "跑多次例外件数",
    "件均经办环节",
    "平均办理工作日",
    "按时办结率",
    "满意率",
)
REPORT_ROWS = 30


def _month(value: str) -> tuple[datetime.date, datetime.date] | None:
    try:
        first = datetime.datetime.strptime(value or "", "%Y-%m").date()
    except ValueError:
        return None
    # A month the hall can have figures for: not before 2000, not after the current month.
    if not datetime.date(2000, 1, 1) <= first <= timezone.localdate():
        return None
    following = (first.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return first, following - datetime.timedelta(days=1)


@login_required
def report(request: HttpRequest) -> HttpResponse:
    """The monthly 督查专报 (PDF): the month's figures, per department, matter, window and
    staff member. Supervisors only; a constant number of queries."""
    from documents.pdf import render_pdf

    _require_supervisor(request)
    month = _month(request.GET.get("month", ""))
    if month is None:
        return HttpResponse(
            _("请选择月份（YYYY-MM）。"), status=400, content_type="text/plain; charset=utf-8"
        )
    scope = Scope(start=month[0], end=month[1])
    figures = supervision_figures(scope)
    picked = [
        (name, value, kind)
        for name, value, kind in exports.FIGURE_COLUMNS
        if name in REPORT_COLUMNS
    ]

    def rows(groups: list[Figures]) -> list[tuple[str, list[str]]]:
        return [(g.label, [exports.shown(v(g), k) for _n, v, k in picked]) for g in groups]

    people = window_staff_figures(scope)
    context = {
        "title": _("“最多跑一次”督查专报"),
        "hall": settings.HALL_NAME,
        "month": month[0],
        "scope": scope,
        "total": figures.total,
        "columns": [name for name, _v, _k in picked],
        "total_row": rows([figures.total])[0][1],
        "departments": rows(figures.by_department),
        "matters": rows(figures.by_matter[:REPORT_ROWS]),
        "matters_more": max(len(figures.by_matter) - REPORT_ROWS, 0),
        "people_tables": _people_tables(people),
        "queue": queue_figures(scope),
        "generated": timezone.localtime(),
    }
    _html, pdf = render_pdf("pdf/supervision_report.html", context)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="supervision-report-{month[0]:%Y-%m}.pdf"'
    )
    return response
