"""Keyset pagination for the case and review lists (``/api/v1/cases/``, ``/api/v1/reviews/``).

``{next, previous, results}`` with ``?cursor=`` and ``?page_size=``, for the lists that grow
with the hall's history. A page is the rows after (or before) the last one shown in the list's
order, read off an index: no ``COUNT(*)`` of the whole list and no ``OFFSET`` that reads every
row before the page, so page 1 and page 1,000 cost the same at any size. The order is the
queryset's ``order_by`` (field names, ``-`` for descending), its keys never null and together
unique (end it with a primary or a unique key). Other lists keep
``hall.api.pagination.StandardPagination`` (``{count, next, previous, results}``).
"""

import base64
import binascii
import json
import operator
from functools import reduce

from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Model, Q, QuerySet
from django.utils.translation import gettext as _
from rest_framework.exceptions import NotFound
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param


def _field(model: type[Model], lookup: str):
    """The model field a ``__`` path names (``case__deadline``, ``case_id``)."""
    *relations, name = lookup.split("__")
    for relation in relations:
        model = model._meta.get_field(relation).related_model
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        # ``case_id``: the column of the foreign key ``case``.
        return next(f for f in model._meta.concrete_fields if f.attname == name)


def _value(instance: Model, lookup: str):
    for part in lookup.split("__"):
        instance = getattr(instance, part)
    return instance


class KeysetPagination(BasePagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
    cursor_query_param = "cursor"

    def paginate_queryset(self, queryset: QuerySet, request, view=None) -> list:
        self.request = request
        self.base_url = request.build_absolute_uri()
        self.keys = [(name.lstrip("-"), name.startswith("-")) for name in queryset.query.order_by]
        assert self.keys and all(isinstance(n, str) for n in queryset.query.order_by), (
            "KeysetPagination needs an order_by of field names"
        )
        values, backwards = self._decode(request, queryset.model)
        size = self._page_size(request)
        order = [(lookup, descending != backwards) for lookup, descending in self.keys]
        page = queryset.order_by(*[("-" if d else "") + lookup for lookup, d in order])
        if values is not None:
            page = page.filter(self._after(order, values))
        rows = list(page[: size + 1])
        more = len(rows) > size
        rows = rows[:size]
        if backwards:
            rows.reverse()
        # A page reached backwards always has one after it; forwards, one before it when it
        # was reached by a cursor.
        has_next = more if not backwards else True
        has_previous = more if backwards else values is not None
        self.next_values = self._key_of(rows[-1]) if rows and has_next else None
        self.previous_values = self._key_of(rows[0]) if rows and has_previous else None
        return rows

    def get_paginated_response(self, data) -> Response:
        return Response(
            {
                "next": self._link(self.next_values, backwards=False),
                "previous": self._link(self.previous_values, backwards=True),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema: dict) -> dict:
        link = {"type": "string", "nullable": True, "format": "uri"}
        return {
            "type": "object",
            "required": ["results"],
            "properties": {"next": link, "previous": link, "results": schema},
        }

    def get_schema_operation_parameters(self, view) -> list[dict]:
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "The page after (`next`) or before (`previous`) the one shown.",
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Rows per page (at most {self.max_page_size}).",
                "schema": {"type": "integer"},
            },
        ]

    # The cursor: the order's key values of the row to page from, and the direction.

    def _page_size(self, request) -> int:
        try:
            size = int(request.query_params[self.page_size_query_param])
        except (KeyError, ValueError):
            return self.page_size
        return min(size, self.max_page_size) if size > 0 else self.page_size

    def _key_of(self, row: Model) -> list:
        return [_value(row, lookup) for lookup, _descending in self.keys]

    def _link(self, values: list | None, *, backwards: bool) -> str | None:
        if values is None:
            return None
        payload = {"k": [None if v is None else str(v) for v in values], "b": int(backwards)}
        token = base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")
        return replace_query_param(self.base_url, self.cursor_query_param, token)

    def _decode(self, request, model: type[Model]) -> tuple[list | None, bool]:
        token = request.query_params.get(self.cursor_query_param)
        if not token:
            return None, False
        try:
            payload = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
            raw, backwards = payload["k"], bool(payload["b"])
            if len(raw) != len(self.keys):
                raise ValueError
            values = [
                _field(model, lookup).to_python(value)
                for (lookup, _descending), value in zip(self.keys, raw, strict=True)
            ]
            if any(value is None for value in values):
                raise ValueError
        except (
            binascii.Error,
            DjangoValidationError,
            KeyError,
            TypeError,
            ValueError,
            UnicodeDecodeError,
        ):
            raise NotFound(_("翻页参数无效。")) from None
        return values, backwards

    @staticmethod
    def _after(order: list[tuple[str, bool]], values: list) -> Q:
        """Rows strictly after ``values`` in ``order``: (a > x) or (a = x and b > y) or …, and
        the leading key's bound on its own, so that the index scan starts there."""
        terms = []
        for i, (lookup, descending) in enumerate(order):
            term = Q(**{f"{lookup}__{'lt' if descending else 'gt'}": values[i]})
            for (earlier, _d), value in zip(order[:i], values[:i], strict=True):
                term &= Q(**{earlier: value})
            terms.append(term)
        lead, descending = order[0]
        bound = Q(**{f"{lead}__{'lte' if descending else 'gte'}": values[0]})
        return bound & reduce(operator.or_, terms)
