"""The demo's monitoring returns: filled in the way a group does in the portal (spending line by line,
receipts, progress, people reached and what changed for each priority), sent, and accepted or queried by
the officer, each on the day it happened.

builder.file_returns files and accepts a grant's returns so far. The grants in delivery take turns to
leave their latest due return at another stage (builder.RETURN_STAGES), which tell() finishes at the end
of the stories: one waiting for the officer's review (a category 25% over budget), one queried (its
spending all against one of its two priorities), one overdue with only a draft started. Later returns
stay due, so the demo shows returns due, overdue, to review, queried and accepted.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from grants_app.models import Application, MonitoringReturn
from grants_app.services import return_form
from grants_app.services.documents import minimal_pdf
from grants_app.services.return_checks import SpendLineInput
from grants_app.services.return_review import accept_return, query_return

if TYPE_CHECKING:
    from grants_app.seed.demo.builder import DemoBuilder

WHAT_CHANGED = {
    1: "Young people came every week instead of hanging around the shops; two have joined the junior "
    "coaching course and the neighbourhood team reports fewer calls about the precinct.",
    2: "Survivors told us they felt safer and more confident to report; several made safety plans with "
    "the IDVA and two were referred to specialist housing support.",
    3: "People who had never contacted the police reported incidents through the safe space, and said "
    "they now knew where to go.",
    4: "Fewer people needed an ambulance late at night: the pastors handed out water and helped "
    "vulnerable people get home safely.",
    5: "Residents said they felt safer at home and more confident to report doorstep callers and "
    "suspicious activity.",
}


def send_day(b: DemoBuilder, ret: MonitoringReturn, latest: date | None = None) -> date:
    """A few days before the return is due, and never later than `latest` (default: two days ago)."""
    latest = latest or b.today - timedelta(days=2)
    return min(ret.due_on - timedelta(days=3), latest)


def _spend_days(app: Application, ret: MonitoringReturn, day: date, count: int) -> list[date]:
    """`count` dates spread over the part of the return's period that has passed by `day`."""
    first = max(d for d in (ret.period_starts_on, app.start_date) if d is not None)
    last = min(d for d in (ret.period_ends_on, app.end_date, day) if d is not None)
    if last < first:
        last = first
    span = (last - first).days
    return [first + timedelta(days=span * (k + 1) // (count + 1)) for k in range(count)]


def fill(
    b: DemoBuilder,
    app: Application,
    ret: MonitoringReturn,
    total_pence: int,
    day: date,
    *,
    over_budget: bool = False,
    one_priority: bool = False,
    complete: bool = True,
) -> None:
    """The group fills in a return on `day`: its spending (`total_pence`, spread over the budget's
    lines and the priorities as the application split them), a receipt for most lines, what the project
    did and each priority's outcomes. `over_budget` spends a quarter more than the budget on the last
    budget line's category (the rest on the others); `one_priority` puts everything against the first
    priority; `complete=False` stops after the first line (a draft)."""
    applicant = b.member_of(app.organisation)
    budget = app.budget_lines
    weights = [line.amount_pence for line in budget]
    if over_budget and len(budget) > 1:
        over = min(budget[-1].amount_pence * 5 // 4, total_pence // 2)
        rest = sum(weights[:-1])
        weights = [w * (total_pence - over) // rest for w in weights[:-1]] + [over]
    splits = sorted(app.priority_splits, key=lambda s: s.priority.number)
    if one_priority:
        splits = splits[:1]
    parts = [
        (line, split, weight * (100 if one_priority else split.percentage))
        for line, weight in zip(budget, weights, strict=True)
        for split in splits
    ]
    scale = sum(weight for _line, _split, weight in parts)
    amounts = [total_pence * weight // scale for _line, _split, weight in parts]
    amounts[-1] += total_pence - sum(amounts)
    days = _spend_days(app, ret, day, len(parts))

    def step() -> None:
        for n, ((line, split, _w), amount, spent_on) in enumerate(zip(parts, amounts, days, strict=True)):
            if amount <= 0:
                continue
            added = return_form.add_spend_line(
                b.session,
                applicant,
                ret,
                SpendLineInput(split.priority_id, line.category_id, line.description, amount, spent_on),
            )
            if n % 3 != 2:  # most lines have a receipt; the officer sees which do not
                return_form.attach_receipt(
                    b.session,
                    applicant,
                    ret,
                    added.id,
                    b.upload_folder,
                    filename=f"receipt-{ret.id}-{n + 1}.pdf",
                    content=minimal_pdf(f"Receipt: {line.description}"),
                )
            if not complete:
                return
        return_form.save_progress(
            b.session,
            applicant,
            ret,
            f"{app.title}: the project ran as planned in this period with good attendance. "
            "Volunteers kept attendance registers and we met the neighbourhood policing team once a "
            "month to share what we were seeing.\n\nNext period we will keep the same pattern and try to "
            "reach more people through word of mouth.",
        )
        for split in sorted(app.priority_splits, key=lambda s: s.priority.number):
            return_form.save_outcome(
                b.session,
                applicant,
                ret,
                split.priority_id,
                people_reached=max((app.beneficiaries_count or 20) * split.percentage // 400, 1),
                what_changed=WHAT_CHANGED.get(split.priority.number, "People told us they felt safer."),
            )

    b.on(day, step)


def send(b: DemoBuilder, app: Application, ret: MonitoringReturn, day: date) -> None:
    applicant = b.member_of(app.organisation)
    b.on(day, lambda: return_form.send_return(b.session, applicant, ret), hour=15)


def accept(b: DemoBuilder, ret: MonitoringReturn, day: date) -> None:
    b.on(day, lambda: accept_return(b.session, b.officer, ret))


def file_and_accept(b: DemoBuilder, app: Application, ret: MonitoringReturn, total_pence: int) -> None:
    """Fill, send and (the next day) accept one return."""
    day = send_day(b, ret)
    fill(b, app, ret, total_pence, day)
    send(b, app, ret, day)
    accept(b, ret, min(day + timedelta(days=1), b.today - timedelta(days=1)))


def tell(b: DemoBuilder) -> None:
    """Finish the returns builder.file_returns held back: to review, queried, overdue (a draft)."""
    for app, ret, stage, amount in b.open_returns:
        day = send_day(b, ret, latest=b.today - timedelta(days=8))
        if stage == "to_review":
            fill(b, app, ret, amount, day, over_budget=True)
            send(b, app, ret, day)
        elif stage == "with_question":
            fill(b, app, ret, amount, day, one_priority=len(app.priority_splits) > 1)
            send(b, app, ret, day)
            split = sorted(app.priority_splits, key=lambda s: s.priority.number)
            question = (
                f"Your return puts all the spending against priority {split[0].priority.number}, but your "
                f"application split the project with priority {split[-1].priority.number}. Please check "
                "which priority each item served, and send the receipt for the line that has none."
                if len(split) > 1
                else "Please send the receipt for the line that has none, and tell us how many sessions ran."
            )
            b.on(
                min(day + timedelta(days=4), b.today - timedelta(days=1)),
                lambda ret=ret, question=question: query_return(b.session, b.officer, ret, question),
            )
        else:  # late: the group started it and stopped, and it is now overdue
            fill(b, app, ret, amount // 3, day, complete=False)
