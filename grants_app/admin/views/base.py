"""The base of every admin model view: role checks, Flask-WTF forms, money and dates shown the UK way."""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from typing import Any

from flask import Response, abort, flash, g, redirect, request, session, stream_with_context, url_for
from flask_admin.contrib.sqla import ModelView
from markupsafe import Markup, escape
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from grants_app.admin.bounded_filters import BoundedFilterConverter
from grants_app.admin.forms import AdminForm
from grants_app.admin.security import RoleRequired, staff_user
from grants_app.dates import format_date, format_datetime
from grants_app.extensions import db
from grants_app.models import Role
from grants_app.money import format_pence
from grants_app.params import parse_id, parse_page
from grants_app.services import csv_export, reference_data


def pence_formatter(view, context, model, name):
    return format_pence(getattr(model, name))


def date_formatter(view, context, model, name):
    value = getattr(model, name)
    return format_datetime(value) if hasattr(value, "hour") else format_date(value)


class StaffModelView(RoleRequired, ModelView):
    form_base_class = AdminForm
    page_size = 20
    can_set_page_size = True
    named_filter_urls = True
    list_template = "admin/model_list.html"  # a labelled search box
    # Read-only unless a subclass names editor roles: state columns are never an editable field anyway.
    can_create = False
    can_edit = False
    can_delete = False

    # Flask-Admin passes ?id=, ?page= and filter values to the database as they come: bound them first.
    filter_converter = BoundedFilterConverter()

    def get_one(self, id):
        """The row with this id, or None (Flask-Admin then says the record does not exist) for
        anything that is not a row id: quotes, emoji, a right-to-left mark, a number too large."""
        key = parse_id(id)
        return db.session.get(self.model, key) if key is not None else None

    # Filter options (funds, wards, meetings...) are read from the database at most this often per
    # process, not on every list request; a new fund or meeting appears in them within this time.
    filter_options_seconds = 30.0
    _filters_read_at = float("-inf")

    def refresh_filter_options(self) -> None:
        """Re-read the filters' options when they are older than filter_options_seconds."""
        now = time.monotonic()
        if now - self._filters_read_at >= self.filter_options_seconds:
            self._refresh_filters_cache()
            self._filters_read_at = now

    # A list whose count stops at count_cap (rows) numbers its pages only that far: a deeper page is
    # an OFFSET the database walks row by row (about 250 ms at 100,000 rows), so ?page= beyond it
    # opens the last numbered page. Search, a filter or the other sort order reaches the rest.
    count_cap: int | None = None

    def _get_list_extra_args(self):
        args = super()._get_list_extra_args()
        args.page = parse_page(request.args.get("page"))  # -1 or 10**30 would be an invalid OFFSET
        if self.count_cap is not None:
            args.page = min(args.page, self.last_page(self.get_safe_page_size(args.page_size)))
        return args

    def get_list(self, page, sort_column, sort_desc, search, filters, execute=True, page_size=None):
        """Flask-Admin's (count, rows); a list page past the last one (an old link, a typed ?page=)
        redirects to the last page with the same search, filters and sort, rather than showing an
        empty table whose pager pointed at page count_cap / page size."""
        count, query = super().get_list(page, sort_column, sort_desc, search, filters, False, page_size)
        if not execute:
            return self.resolved_count(count), query
        data, count = self.list_rows_and_count(query, count)
        if page and count and not data and request.endpoint == f"{self.endpoint}.index_view":
            size = page_size or self.page_size
            shown = min(count, self.count_cap) if self.count_cap is not None else count
            last = (shown - 1) // size
            args = {key: request.args.getlist(key) for key in request.args if key != "page"}
            if last:
                args["page"] = [str(last)]
            abort(redirect(url_for(".index_view", **args)))
        return count, data

    def search_placeholder(self) -> str | None:
        """What the search box searches, as a phrase: "Title or place" (Flask-Admin wrote "title,
        Place" from the column names, and "full_name" for a column without a label)."""
        columns = [c if isinstance(c, str) else c.key for c in self.column_searchable_list or ()]
        if not columns:
            return None
        words = [
            (self.column_labels or {}).get(c) or self._prettify_name(c.rsplit(".", 1)[-1]) for c in columns
        ]
        words = [w.lower() for w in words]
        text = words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]
        return text[0].upper() + text[1:]

    def export_query(self):
        """The list's query with its search, filters and sort, every page and no count: what
        "Download CSV (as filtered)" writes, in the order the list shows it."""
        view_args = self.export_args()
        sort = self._get_column_by_idx(view_args.sort)
        query, joins = self.get_query(), {}
        # The list's own steps (Flask-Admin's get_list), without the count it runs for the pager.
        if view_args.search and self._search_supported:
            query, _count, joins, _count_joins = self._apply_search(query, None, joins, {}, view_args.search)
        if view_args.filters and self._filters:
            query, _count, joins, _count_joins = self._apply_filters(
                query, None, joins, {}, view_args.filters
            )
        for relation in self._auto_joins:
            query = query.options(joinedload(relation))
        query, _joins = self._apply_sorting(query, joins, sort[0] if sort else None, view_args.sort_desc)
        return query

    def export_args(self):
        """The list's search, filters and sort for an export of it. An invalid filter value is left
        out as on the list, without the message Flask-Admin flashes: no page shows it with a CSV, so
        the next page did ("Invalid Filter Value" on an unfiltered list)."""
        kept = session.get("_flashes")
        args = self._get_list_extra_args()
        if kept is None:
            session.pop("_flashes", None)
        else:
            session["_flashes"] = kept
        return args

    def _apply_sorting(self, query, joins, sort_column, sort_desc):
        """The sort by the chosen column (sort_by_column), then the primary key in the same direction:
        rows that tie on the sorted column (every application of one organisation) kept no order, so
        paging could repeat some and skip others."""
        query, joins = self.sort_by_column(query, joins, sort_column, sort_desc)
        key = getattr(self.model, self._primary_key)
        return query.order_by(key.desc() if sort_desc or sort_column is None else key), joins

    def sort_by_column(self, query, joins, sort_column, sort_desc):
        """Flask-Admin's ORDER BY for the chosen column (or the default order); a view may sort a column
        another way."""
        return super()._apply_sorting(query, joins, sort_column, sort_desc)

    def resolved_count(self, count: Any) -> Any:
        """The list's count as Flask-Admin's get_list gave it (a view whose count query defers its
        work, to read it with the rows, returns it from here as a number)."""
        return count

    def list_rows_and_count(self, query, count: Any) -> tuple[list[Any], Any]:
        """The page's rows (list_query_rows) and the list's count; a view may read both in one query."""
        return self.list_query_rows(query), self.resolved_count(count)

    def list_query_rows(self, query) -> list[Any]:
        """The rows of a list page from its query (searched, filtered, sorted and paged): the models,
        unless a view reads only the columns its list shows."""
        return query.all()

    def list_rows(self, data: Iterable[Any], columns: Sequence[tuple[str, str]]) -> list[tuple[Any, Markup]]:
        """Each row of a list page as (its primary key, its cells as `<td>` HTML), the values formatted
        as Flask-Admin's list template formats them (column then type formatters, escaped).

        For a list template's rows (admin/lean_list.html): Flask-Admin's own row block spent a block
        call, an editable check and a macro call on every cell, a third of the list page's time.
        """
        formatters, type_formatters = self.column_formatters, self.column_type_formatters
        choices = self._column_choices_map

        def shown(row, column: str):
            formatter = formatters.get(column)
            if formatter is not None and column not in choices:
                value = formatter(self, None, row, column)
                # Text (Markup too) passes Flask-Admin's type formatters unchanged: our formatters give text.
                if isinstance(value, str):
                    return value
            return self._get_list_value(None, row, column, formatters, type_formatters)

        rows = []
        classes = [(column, f'<td class="col-{escape(column)}">') for column, _label in columns]
        for row in data:
            cells = "".join(f"{opening}{escape(shown(row, column))}</td>" for column, opening in classes)
            rows.append((self.get_pk_value(row), Markup(cells)))  # noqa: S704 - every value escaped above
        return rows

    def last_page(self, page_size: int) -> int:
        """The last numbered page (0 is the first) of a list capped at count_cap rows."""
        cap = self.count_cap or 0
        return max(0, -(-cap // page_size) - 1) if page_size else 0


class AuditedModelView(StaffModelView):
    """Reference data: administrators edit it, and every create, update and delete is audited."""

    allowed_roles = frozenset({Role.ADMIN})
    editor_roles = frozenset({Role.ADMIN})
    can_create = True
    can_edit = True
    can_delete = True
    can_view_details = True
    # Reference data is history: applications, scores and payments point at it. One row at a time may
    # be deleted (a typo nobody uses yet), audited, and refused with a message while anything uses it;
    # the bulk action is off: it deleted row by row with a commit each, so a mixed selection half-failed.
    action_disallowed_list = ["delete"]

    def on_model_change(self, form, model, is_created):
        # Flask-Admin commits after this hook, so the diff is written in the same transaction as the edit.
        reference_data.record_edit(
            db.session, staff_user(), model, created=is_created, fields=edited_fields(form)
        )

    def on_model_delete(self, model):
        reference_data.record_delete(db.session, staff_user(), model)

    def handle_view_exception(self, exc):
        if isinstance(exc, IntegrityError):
            flash(
                "That change was refused because it conflicts with other records "
                "(for example a duplicate name, or a row other records still use)",
                "error",
            )
            return True
        return super().handle_view_exception(exc)


def seen_version(form) -> int:
    """The version of the record the page showed (its hidden `expected_version` field). A post without
    a readable one is treated as out of date (0 is no record's version): QA found that a forged
    `expected_version=0`, or none, skipped the check that nobody changed the record since."""
    return parse_id(form.get("expected_version")) or 0


def edited_fields(form) -> list[str]:
    """The names of the fields a person could change on this form (what the audit diff covers)."""
    return [field.name for field in form if field.name != "csrf_token"]


def link(url: str, text: str) -> Markup:
    """<a href="url">text</a>, both escaped (Markup.format's string.Formatter cost more, in every row)."""
    return Markup(f'<a href="{escape(url)}">{escape(text)}</a>')  # noqa: S704 - both escaped


def details_url(endpoint: str, row_id: int, fragment: str = "") -> str:
    """The details page of row `row_id` of the admin view at `endpoint` ("application"), with an
    optional "#fragment". For a link in every row of a list: the route is built once per request
    (url_for for each of 20 rows was a tenth of the list page)."""
    urls = g.setdefault("_details_urls", {})
    if endpoint not in urls:
        urls[endpoint] = url_for(f"{endpoint}.details_view")
    return f"{urls[endpoint]}?id={int(row_id)}{fragment}"


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Response:
    """A CSV download streamed as its rows are read (UTF-8 with a byte order mark, one charset in the
    Content-Type), each cell neutralised against spreadsheet formulas."""
    return Response(
        stream_with_context(csv_export.csv_chunks(header, rows)),
        content_type=csv_export.CONTENT_TYPE,
        headers={"Content-Disposition": f"attachment; filename={filename}"},
    )
