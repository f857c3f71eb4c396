"""The offer letter: what the partnership offers a group, on what conditions, how it will be paid and
monitored, and how to accept. `offer_letter()` gathers plain values (a constant number of queries);
templates/reports/offer_letter.html lays them out; `offer_letter_pdf()` renders it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask import render_template
from sqlalchemy import select
from sqlalchemy.orm import Session

from grants_app.dates import format_date, to_london
from grants_app.models import Application, Partnership
from grants_app.money import format_pence, pence_in_words
from grants_app.reports.pdf import render_pdf
from grants_app.services.offers import default_instalments, monitoring_periods, project_dates


@dataclass(frozen=True)
class LetterInstalment:
    number: int
    amount: str
    when: str


@dataclass(frozen=True)
class LetterReturn:
    period: str
    due: str
    is_final: bool


@dataclass(frozen=True)
class OfferLetter:
    # Who writes: the partnership (its short name is the logo text on the letterhead).
    partnership_name: str
    logo_text: str
    partnership_address: list[str]
    contact_email: str
    contact_phone: str
    # Who to: the group.
    group_name: str
    group_address: list[str]
    addressee: str
    # The offer.
    reference: str
    letter_date: str
    is_draft: bool
    project_title: str
    fund_name: str
    project_dates: str
    priorities: list[tuple[str, int]]
    award_figures: str
    award_words: str
    conditions: list[str]
    instalments: list[LetterInstalment]
    returns: list[LetterReturn]
    accept_by: str
    accept_url: str
    accepted: str

    @property
    def title(self) -> str:
        return f"Grant offer letter {self.reference}"


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def offer_letter(
    session: Session, application: Application, *, public_base_url: str, today: date
) -> OfferLetter:
    """The letter's contents for `application` (which has an award), as it stands: issued, or a draft
    the officer is preparing (the schedule and dates then being the ones the offer would have)."""
    partnership = session.execute(select(Partnership).limit(1)).scalar_one_or_none()
    award = application.award
    org = application.organisation
    fund = application.fund
    instalments = list(award.instalments) or default_instalments(fund, award.amount_pence)
    issued: datetime | None = award.offer_issued_at
    start, end = project_dates(application, today)
    accepted = ""
    if award.accepted_at is not None:
        accepted = (
            f"Accepted for {org.name} by {award.accepted_by_name}"
            + (f", {award.accepted_by_role}" if award.accepted_by_role else "")
            + f", on {format_date(award.accepted_at)}."
        )
    return OfferLetter(
        partnership_name=partnership.name if partnership else "Community Safety Partnership",
        logo_text=partnership.short_name if partnership else "",
        partnership_address=_lines(partnership.address) if partnership else [],
        contact_email=partnership.contact_email if partnership else "",
        contact_phone=partnership.contact_phone if partnership else "",
        group_name=org.name,
        group_address=[
            line for line in (org.address_line_1, org.address_line_2, org.town, org.postcode) if line
        ],
        addressee=org.contact_name or org.name,
        reference=application.reference,
        letter_date=format_date(to_london(issued).date() if issued else today),
        is_draft=issued is None,
        project_title=application.title or "your project",
        fund_name=str(fund),
        project_dates=f"{format_date(start)} to {format_date(end)}",
        priorities=[(s.priority.title, s.percentage) for s in application.priority_splits],
        award_figures=format_pence(award.amount_pence),
        award_words=pence_in_words(award.amount_pence),
        conditions=_lines(award.conditions),
        instalments=[
            LetterInstalment(n, format_pence(i.amount_pence), i.when)
            for n, i in enumerate(sorted(instalments, key=lambda i: i.position), start=1)
        ],
        returns=[
            LetterReturn(label, format_date(due), final)
            for label, due, final in monitoring_periods(start, end)
        ],
        accept_by=format_date(award.offer_expires_on) if award.offer_expires_on else "",
        accept_url=f"{public_base_url}/applications/{application.reference}/offer",
        accepted=accepted,
    )


def offer_letter_pdf(
    session: Session, application: Application, *, public_base_url: str, today: date
) -> bytes:
    """The offer letter as a tagged PDF (needs an app context for the template)."""
    letter = offer_letter(session, application, public_base_url=public_base_url, today=today)
    html = render_template("reports/offer_letter.html", letter=letter)
    return render_pdf(html, letter.title)
