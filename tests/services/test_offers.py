"""The offer: the fund's default payment schedule, preparing it (every refusal changes nothing), issuing
it through the workflow, and the award written in words."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grants_app.dates import london_today
from grants_app.models import AuditEvent, Fund, InstalmentTrigger, OutboxEmail
from grants_app.money import number_in_words, pence_in_words
from grants_app.refusals import Refusal
from grants_app.services import offers
from grants_app.services.offers import InstalmentInput, default_instalments, split_pence
from grants_app.workflow import GuardFailed, fire


def _fund(threshold: int) -> Fund:
    return Fund(single_payment_below_pence=threshold)


def test_below_the_threshold_everything_is_paid_on_acceptance():
    [only] = default_instalments(_fund(100_000), 99_999)
    assert (only.amount_pence, only.due_trigger) == (99_999, InstalmentTrigger.ON_ACCEPTANCE)


def test_from_the_threshold_half_on_acceptance_and_half_after_the_first_return_odd_penny_first():
    first, second = default_instalments(_fund(100_000), 100_001)
    assert (first.amount_pence, first.due_trigger) == (50_001, InstalmentTrigger.ON_ACCEPTANCE)
    assert (second.amount_pence, second.due_trigger) == (
        50_000,
        InstalmentTrigger.AFTER_FIRST_ACCEPTED_RETURN,
    )


@given(award=st.integers(min_value=1, max_value=10**11), threshold=st.integers(min_value=0, max_value=10**9))
def test_the_default_schedule_always_adds_up_to_the_award(award, threshold):
    schedule = default_instalments(_fund(threshold), award)
    assert sum(i.amount_pence for i in schedule) == award
    assert all(i.amount_pence > 0 for i in schedule)
    assert schedule[0].amount_pence >= schedule[-1].amount_pence  # odd pence go first


@given(total=st.integers(min_value=0, max_value=10**11), parts=st.integers(min_value=1, max_value=12))
def test_split_pence_adds_up_and_puts_the_odd_pence_first(total, parts):
    shares = split_pence(total, parts)
    assert sum(shares) == total and len(shares) == parts
    assert shares[0] - shares[-1] == total % parts


@pytest.mark.parametrize(
    ("pence", "words"),
    [
        (245050, "Two thousand four hundred and fifty pounds and fifty pence"),
        (100, "One pound"),
        (1, "One penny"),
        (105000, "One thousand and fifty pounds"),
        (500000, "Five thousand pounds"),
        (1234567, "Twelve thousand three hundred and forty-five pounds and sixty-seven pence"),
        (100_000_000, "One million pounds"),
    ],
)
def test_money_in_words(pence, words):
    assert pence_in_words(pence) == words


def test_number_in_words_refuses_negatives():
    assert number_in_words(0) == "zero"
    with pytest.raises(ValueError):
        number_in_words(-1)


def _rows(*pairs):
    return [InstalmentInput(amount, trigger, due) for amount, trigger, due in pairs]


def test_the_officer_prepares_conditions_schedule_and_deadline(make, session):
    app, _meeting, officer = make.approved(amount_pence=300_001)
    today = london_today()
    offers.prepare_offer(
        session,
        officer,
        app,
        conditions="  Send photographs.\nCredit the partnership.  ",
        instalments=_rows(
            (100_001, "on_acceptance", None),
            (100_000, "on_date", today + timedelta(days=60)),
            (100_000, "after_first_accepted_return", None),
        ),
        expires_on=today + timedelta(days=21),
    )
    award = app.award
    assert [(i.position, i.amount_pence, i.due_trigger.value) for i in award.instalments] == [
        (1, 100_001, "on_acceptance"),
        (2, 100_000, "on_date"),
        (3, 100_000, "after_first_accepted_return"),
    ]
    assert award.conditions == "Send photographs.\nCredit the partnership."
    assert award.offer_expires_on == today + timedelta(days=21)
    event = session.query(AuditEvent).filter_by(action="offer_prepared", entity_id=app.id).one()
    assert event.actor_id == officer.id and "£1,000.01 when the offer is accepted" in event.data["schedule"]
    # Issued as prepared: the schedule and deadline are kept, not replaced by the defaults.
    fire(session, app, "issue_offer", officer)
    assert len(award.instalments) == 3 and award.offer_expires_on == today + timedelta(days=21)


@pytest.mark.parametrize(
    ("rows", "expires_in", "message"),
    [
        (
            [(100_000, "on_acceptance", None)],
            21,
            "add up to £1,000.00: they must add up to the award of £2,000.00",
        ),
        ([(200_001, "on_acceptance", None)], 21, "more than the award"),
        ([(0, "on_acceptance", None), (200_000, "on_acceptance", None)], 21, "more than £0 for instalment 1"),
        ([(None, "on_acceptance", None)], 21, "more than £0 for instalment 1"),
        ([(200_000, "whenever", None)], 21, "Choose when instalment 1 is paid"),
        ([(200_000, "on_date", None)], 21, "Enter the date instalment 1 is paid"),
        ([(200_000, "on_date", "past")], 21, "The date of instalment 1 must be between"),
        ([(200_000, "on_acceptance", None)], 0, "The date to accept by must be between"),
        ([(200_000, "on_acceptance", None)], 400, "The date to accept by must be between"),
        ([], 21, "Enter at least one instalment"),
        ([(20_000, "on_acceptance", None)] * 10, 21, "at most 6 instalments"),
    ],
)
def test_a_schedule_that_does_not_check_is_refused_and_nothing_changes(
    make, session, rows, expires_in, message
):
    app, _meeting, officer = make.approved(amount_pence=200_000)
    today = london_today()
    rows = [(a, t, today - timedelta(days=1) if d == "past" else d) for a, t, d in rows]
    with pytest.raises(Refusal, match=message):
        offers.prepare_offer(
            session,
            officer,
            app,
            conditions="",
            instalments=_rows(*rows),
            expires_on=today + timedelta(days=expires_in),
        )
    session.expire_all()
    assert app.award.instalments == [] and app.award.offer_expires_on is None


def test_conditions_with_control_characters_markup_or_too_long_are_refused(make, session):
    app, _meeting, officer = make.approved(amount_pence=50_000)
    rows = _rows((50_000, "on_acceptance", None))
    expires = london_today() + timedelta(days=10)
    for bad, message in (
        ("Bell\x07", "invisible characters"),
        ("x" * 5001, "5,000 characters"),
        ("Credit us <script>alert(1)</script>", "The conditions must not contain HTML tags"),
        ("Use the <b>logo</b>", "The conditions must not contain HTML tags"),
    ):
        with pytest.raises(Refusal, match=message) as refusal:
            offers.prepare_offer(session, officer, app, conditions=bad, instalments=rows, expires_on=expires)
        assert "conditions" in refusal.value.errors
    session.expire_all()
    assert app.award.conditions != "Use the <b>logo</b>" and app.award.instalments == []


def test_only_the_officer_prepares_and_only_before_the_offer_is_issued(make, session):
    app, _meeting, officer = make.approved(amount_pence=50_000)
    rows = _rows((50_000, "on_acceptance", None))
    expires = london_today() + timedelta(days=10)
    with pytest.raises(Refusal, match="Only the grants officer"):
        offers.prepare_offer(
            session, make.finance(), app, conditions="", instalments=rows, expires_on=expires
        )
    fire(session, app, "issue_offer", officer)
    with pytest.raises(Refusal, match="not waiting for its offer"):
        offers.prepare_offer(session, officer, app, conditions="", instalments=rows, expires_on=expires)


def test_an_offer_issued_without_preparing_gets_the_funds_defaults(make, session):
    app, _meeting, officer = make.approved(amount_pence=250_001)
    fire(session, app, "issue_offer", officer)
    award = app.award
    assert [i.amount_pence for i in award.instalments] == [125_001, 125_000]
    assert award.offer_expires_on == london_today() + timedelta(days=app.fund.offer_valid_days)
    email = session.query(OutboxEmail).filter(OutboxEmail.subject.startswith("Grant offer")).first()
    assert email.subject.startswith(f"Grant offer for {app.reference}: please accept by")
    assert "£1,250.01: when the offer is accepted" in email.body_text
    assert f"/applications/{app.reference}/offer" in email.body_text


def test_an_offer_whose_schedule_no_longer_adds_up_is_not_issued(make, session):
    app, _meeting, officer = make.approved(amount_pence=50_000)
    offers.prepare_offer(
        session,
        officer,
        app,
        conditions="",
        instalments=_rows((50_000, "on_acceptance", None)),
        expires_on=london_today() + timedelta(days=10),
    )
    app.award.instalments[0].amount_pence = 40_000  # as if edited behind the form's back
    with pytest.raises(GuardFailed, match="adds up to £400.00, not the award of £500.00"):
        fire(session, app, "issue_offer", officer)
    assert app.state == "approved"


def test_acceptance_needs_the_signatorys_name_role_and_confirmation(make, session):
    app, _meeting, officer = make.approved()
    fire(session, app, "issue_offer", officer)
    applicant = make.applicant_of(app)
    base = {"accepted_by_name": "Pat Chair", "accepted_by_role": "Chair", "confirmed": True}
    for missing, message in (("accepted_by_role", "Enter the accepted by role"), ("confirmed", "confirmed")):
        with pytest.raises(Refusal, match=message):
            fire(session, app, "accept_offer", applicant, **{k: v for k, v in base.items() if k != missing})
    with pytest.raises(GuardFailed, match="Confirm that you are authorised"):
        fire(session, app, "accept_offer", applicant, **{**base, "confirmed": False})
    assert app.state == "offer_issued" and app.award.accepted_at is None
    fire(session, app, "accept_offer", applicant, **base)
    assert (app.award.accepted_by_name, app.award.accepted_by_role) == ("Pat Chair", "Chair")
    assert app.award.accepted_at is not None
