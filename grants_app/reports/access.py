"""Who may have which report. The admin view, the CLI's docs and the tests read this one table."""

from __future__ import annotations

from grants_app.models import Role

REPORT_ROLES: dict[str, frozenset[Role]] = {
    "spend": frozenset({Role.FINANCE, Role.OFFICER, Role.RAG_VIEWER}),
    "statement": frozenset({Role.OFFICER, Role.FINANCE}),
    "jag_pack": frozenset({Role.OFFICER, Role.JAG_MEMBER}),
    "rag": frozenset({Role.RAG_VIEWER, Role.OFFICER}),
    "open_data": frozenset({Role.OFFICER, Role.FINANCE}),
}
ANY_REPORT = frozenset().union(*REPORT_ROLES.values())

# A web request renders a PDF with at most this many grant rows; WeasyPrint takes about 12 ms a row on
# one core (bench/report_pdf.py), so this stays well inside a 30-second worker timeout. Bigger reports
# come as a summary PDF, with the detail in CSV/XLSX, or whole from the CLI.
WEB_PDF_MAX_ROWS = 1000


def may(user, report: str) -> bool:
    return user is not None and user.has_role(*REPORT_ROLES[report])
