"""What every portal page knows: the partnership's names from configuration, the CSP nonce, and the
security headers the portal sends."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from flask import g
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from grants_app.extensions import db
from grants_app.models import Partnership


def csp_nonce() -> str:
    """One random nonce per request for the GOV.UK template's one inline script."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


@dataclass(frozen=True)
class PartnershipInfo:
    """Names and contact details from the partnership's configuration, never written into templates."""

    name: str = "The Community Safety Partnership"
    short_name: str = "Community safety grants"
    area_name: str = "your area"
    address: str = ""
    contact_email: str = ""


# Built once: every portal page reads it, and building a statement costs more than running it.
_PARTNERSHIP = select(
    Partnership.name,
    Partnership.short_name,
    Partnership.area_name,
    Partnership.address,
    Partnership.contact_email,
).limit(1)


def partnership_info() -> PartnershipInfo:
    """The Partnership row as plain values, read once per request (defaults when none is set up)."""
    if "partnership_info" not in g:
        try:
            row = db.session.execute(_PARTNERSHIP).one_or_none()
        except SQLAlchemyError:  # the error pages must render while the database is down
            db.session.rollback()
            row = None
        g.partnership_info = (
            PartnershipInfo(
                name=row.name,
                short_name=row.short_name,
                area_name=row.area_name,
                address=", ".join(line.strip() for line in row.address.splitlines() if line.strip()),
                contact_email=row.contact_email,
            )
            if row is not None
            else PartnershipInfo()
        )
    return g.partnership_info


def portal_context() -> dict[str, Any]:
    """Template context for every portal page."""
    return {"cspNonce": csp_nonce(), "partnership": partnership_info()}


def security_headers(response):
    """Defence in depth: even if some text were ever rendered unescaped, no injected script would run."""
    response.headers.setdefault(
        "Content-Security-Policy",
        f"default-src 'self'; script-src 'self' 'nonce-{csp_nonce()}'; style-src 'self'; "
        "img-src 'self' data:; font-src 'self'; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'",
    )
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if current_user.is_authenticated:
        response.headers.setdefault("Cache-Control", "private, no-store")
    return response
