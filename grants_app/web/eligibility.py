"""The eligibility checker: one question per page; answers kept in the session until an application starts."""

from __future__ import annotations

from dataclasses import dataclass, replace

from flask import abort, redirect, render_template, session, url_for

from grants_app.models.organisation import OrganisationType
from grants_app.web import forms as f
from grants_app.web.context import partnership_info
from grants_app.web.errors import error_list


@dataclass(frozen=True)
class Question:
    slug: str
    key: str
    text: str
    hint: str
    required_answer: str | None  # the answer that fails the check, if any
    why: str


QUESTIONS = [
    Question(
        "organisation-type",
        "org_type",
        "What type of organisation are you applying for?",
        "We fund not-for-profit groups. Your group does not need to be a registered charity.",
        "individual",
        "We can only fund not-for-profit organisations, such as constituted community groups, charities, "
        "community interest companies (CICs) and schools. We cannot fund individuals or businesses that "
        "make a profit.",
    ),
    Question(
        "stevenage",
        "works_in_stevenage",
        "Will your project work with people who live, work or study in {area}?",
        "The fund pays for projects that make {area} safer.",
        "no",
        "This fund is for projects that benefit people in {area}. Your local community safety "
        "partnership may run a similar fund for your area.",
    ),
    Question(
        "bank-account",
        "bank_account",
        "Does your organisation have a bank account in its own name?",
        "We pay grants into an account in the organisation's name, never into a personal account.",
        "no",
        "We can only pay grants into a bank account in the organisation's name. Most banks offer free "
        "accounts for community groups; you can apply once your group has one.",
    ),
    Question(
        "children-or-adults-at-risk",
        "works_with_children_or_adults_at_risk",
        "Will your project work with children or adults at risk?",
        "Children are people under 18. Adults at risk include people who need care and support.",
        None,
        "",
    ),
    Question(
        "safeguarding-policy",
        "safeguarding_policy",
        "Does your organisation have a safeguarding policy?",
        "A written policy your committee has agreed, saying how you keep people safe and what you do if "
        "you are worried about someone.",
        "no",
        "Projects that work with children or adults at risk must have a safeguarding policy before they "
        "apply. The NSPCC and your local safeguarding partnership publish free templates.",
    ),
    Question(
        "insurance",
        "public_liability_insurance",
        "Does your organisation have public liability insurance?",
        "Insurance that covers your activities if someone is injured or property is damaged.",
        "no",
        "Every funded project must have public liability insurance. Your local council for voluntary service can "
        "help you find suitable cover; you can apply once you have it.",
    ),
]
BY_SLUG = {q.slug: q for q in QUESTIONS}

# General pointers that hold for any English area; a partnership can name local ones in its fund text.
ELSEWHERE = [
    ("Your local community foundation", "grants for community groups in your county"),
    (
        "The National Lottery Community Fund (Awards for All)",
        "grants of £300 to £20,000 for community projects",
    ),
    ("Your local council", "community grants for local groups and events"),
    (
        "Your local council for voluntary service (CVS)",
        "free advice on setting up a group, bank accounts, policies and insurance",
    ),
]


def _next_slug(slug: str, answers: dict) -> str | None:
    index = [q.slug for q in QUESTIONS].index(slug)
    for question in QUESTIONS[index + 1 :]:
        if question.slug == "safeguarding-policy" and not answers.get(
            "works_with_children_or_adults_at_risk"
        ):
            continue
        return question.slug
    return None


def _for_area(q: Question) -> Question:
    area = partnership_info().area_name
    return replace(
        q, text=q.text.format(area=area), hint=q.hint.format(area=area), why=q.why.format(area=area)
    )


def question(question: str):
    q = BY_SLUG.get(question)
    if q is None:
        abort(404)
    q = _for_area(q)
    answers: dict = dict(session.get("eligibility") or {})
    form = f.EligibilityTypeForm() if q.key == "org_type" else f.EligibilityYesNoForm()
    form.answer.label.text = q.text
    if form.validate_on_submit():
        value = form.answer.data
        answers[q.key] = value if q.key == "org_type" else value == "yes"
        session["eligibility"] = answers
        if value == q.required_answer:
            return redirect(url_for("portal.not_eligible", question=q.slug))
        nxt = _next_slug(q.slug, answers)
        return redirect(url_for("portal.eligibility", question=nxt) if nxt else url_for("portal.can_apply"))
    if not form.is_submitted() and q.key in answers:
        stored = answers[q.key]
        form.answer.data = stored if q.key == "org_type" else ("yes" if stored else "no")
    index = [x.slug for x in QUESTIONS].index(q.slug)
    back = (
        url_for("portal.eligibility", question=QUESTIONS[index - 1].slug)
        if index
        else url_for("portal.start")
    )
    if q.slug == "insurance" and not answers.get("works_with_children_or_adults_at_risk"):
        back = url_for("portal.eligibility", question="children-or-adults-at-risk")
    return render_template(
        "portal/eligibility_question.html", form=form, question=q, errors=error_list(form), back=back
    ), (400 if form.errors else 200)


def _answer_text(q: Question, answers: dict) -> str:
    value = answers.get(q.key)
    if q.key == "org_type":
        return str(value)
    return "yes" if value else "no"


def eligible():
    answers = session.get("eligibility") or {}
    needed = [
        q
        for q in QUESTIONS
        if q.slug != "safeguarding-policy" or answers.get("works_with_children_or_adults_at_risk")
    ]
    unanswered = next((q for q in needed if q.key not in answers), None)
    if unanswered is not None:
        return redirect(url_for("portal.eligibility", question=unanswered.slug))
    failed = next(
        (
            q
            for q in needed
            if q.required_answer is not None and _answer_text(q, answers) == q.required_answer
        ),
        None,
    )
    if failed is not None:
        return redirect(url_for("portal.not_eligible", question=failed.slug))
    # Back to the last question asked, to change an answer (GOV.UK question pages pattern).
    return render_template(
        "portal/eligible.html", back=url_for("portal.eligibility", question=needed[-1].slug)
    )


def not_eligible(question: str):
    q = BY_SLUG.get(question)
    if q is None or q.required_answer is None:
        abort(404)
    q = _for_area(q)
    answer_text = q.required_answer
    if q.key == "org_type":
        answer_text = "An individual, or a business that makes a profit"
    return render_template(
        "portal/not_eligible.html", question=q, answer_text=answer_text.capitalize(), elsewhere=ELSEWHERE
    )


__all__ = ["QUESTIONS", "OrganisationType"]
