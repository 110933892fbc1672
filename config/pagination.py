"""Pagination for API lists: cursor-based, stable under inserts (a phone scrolling while jobs arrive)."""

from __future__ import annotations

from rest_framework import pagination


class CursorPagination(pagination.CursorPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
    ordering = "-created_at"


class IdCursorPagination(CursorPagination):
    """Newest first by primary key: unique, so no two rows ever share a cursor position."""

    ordering = "-id"
