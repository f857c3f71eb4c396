"""Portal forms for monitoring returns: GOV.UK widgets and messages; the rules are checked again by the
services (grants_app.services.return_form)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCharacterCount, GovFileInput, GovRadioInput, GovSelect
from wtforms import FileField, HiddenField
from wtforms.validators import Length, ValidationError

from grants_app.money import parse_pounds
from grants_app.normalise import compact
from grants_app.services.return_checks import MAX_ANSWER, MAX_DESCRIPTION, MAX_NARRATIVE, MAX_PEOPLE
from grants_app.web.forms import GovDateField, LongText, Radios, Select, Text, required


def _id_choice(value: str | None, choices) -> int | None:
    """The chosen id if it is one of the choices, else None."""
    valid = {v for v, _label in choices if v}
    return int(value) if value in valid and value.isascii() and value.isdigit() else None


class SpendLineForm(FlaskForm):
    token = HiddenField()
    spent_on = GovDateField("Date the money was spent")
    description = Text(
        "What was the money spent on?",
        what="What the money was spent on",
        description="For example, 4 hours of coaching at £25 an hour, or 20 pairs of boxing gloves",
        validators=[
            required("Enter what the money was spent on"),
            Length(
                max=MAX_DESCRIPTION, message="What the money was spent on must be 300 characters or fewer"
            ),
        ],
    )
    category_id = Select("Budget category", coerce=str, widget=GovSelect())
    priority_id = Radios("Which priority did this spending serve?", coerce=str, widget=GovRadioInput())
    amount = Text("Amount", validators=[required("Enter the amount")])

    def validate_category_id(self, field):
        self.category = _id_choice(field.data, field.choices)
        if self.category is None:
            raise ValidationError("Select a budget category")

    def validate_priority_id(self, field):
        self.priority = _id_choice(field.data, field.choices)
        if self.priority is None:
            raise ValidationError("Select which priority this spending served")

    def validate_amount(self, field):
        try:
            self.amount_pence = parse_pounds(field.data)
        except ValueError as exc:
            message = str(exc)
            if field.data.strip().startswith("-"):
                message = "The amount must be more than £0"
            raise ValidationError(message) from exc
        if self.amount_pence <= 0:
            raise ValidationError("The amount must be more than £0")


class ReceiptForm(FlaskForm):
    file = FileField(
        "Upload a receipt", description="PDF, DOCX, JPG or PNG, smaller than 10MB", widget=GovFileInput()
    )

    def validate_file(self, field):
        data = field.data
        if data is None or not getattr(data, "filename", ""):
            raise ValidationError("Select a receipt to upload")


class ProgressForm(FlaskForm):
    progress_narrative = LongText(
        "What did the project do in this period?",
        what="What the project did",
        description="For example, how many sessions you ran, what went well, and anything that did not "
        "go to plan",
        validators=[
            required("Tell us what the project did in this period"),
            Length(max=MAX_NARRATIVE, message="What the project did must be 10,000 characters or fewer"),
        ],
        widget=GovCharacterCount(),
    )


class OutcomeForm(FlaskForm):
    people_reached = Text(
        "How many people did the project reach for this priority in this period?",
        what="The number of people",
        description="A whole number. Count each person once",
        validators=[required("Enter how many people the project reached")],
    )
    what_changed = LongText(
        "What changed for them?",
        what="What changed",
        description="For example, what people told you, or what you saw change",
        validators=[
            required("Tell us what changed for the people you reached"),
            Length(max=MAX_ANSWER, message="What changed must be 5,000 characters or fewer"),
        ],
        widget=GovCharacterCount(),
    )

    def validate_people_reached(self, field):
        # "1 200", "1,200", a no-break space from Word, fullwidth digits: all the number 1200.
        value = compact(field.data).replace(",", "")
        if not (value.isascii() and value.isdigit()):
            raise ValidationError("Enter the number of people as a whole number, like 25")
        # A huge whole number is out of range, not mistyped. Its length is checked before int(), which
        # refuses strings of thousands of digits with a ValueError.
        self.people = int(value) if len(value) <= 9 else MAX_PEOPLE + 1
        if self.people > MAX_PEOPLE:
            raise ValidationError(f"The number of people must be between 0 and {MAX_PEOPLE:,}")


class ReturnAnswerForm(FlaskForm):
    answer = LongText(
        "Your answer",
        validators=[
            required("Enter your answer to our question"),
            Length(max=MAX_ANSWER, message="Your answer must be 5,000 characters or fewer"),
        ],
    )


class SendReturnForm(FlaskForm):
    """The check-answers page's button, with the version of the return the page showed."""

    expected_version = HiddenField()

    @property
    def version(self) -> int | None:
        value = (self.expected_version.data or "").strip()
        return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else None
