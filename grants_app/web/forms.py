"""Portal forms: GOV.UK widgets, GOV.UK error messages, every rule checked on the server."""

from __future__ import annotations

import re
from datetime import date

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovCheckboxesInput,
    GovCheckboxInput,
    GovDateInput,
    GovFileInput,
    GovRadioInput,
    GovSelect,
    GovTextArea,
    GovTextInput,
)
from wtforms import Field, FileField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields import BooleanField, RadioField
from wtforms.validators import InputRequired, Length, Optional, StopValidation, ValidationError

from grants_app.dates import parse_date_parts
from grants_app.models.application import DOCUMENT_KIND_LABELS
from grants_app.models.organisation import ORGANISATION_TYPE_LABELS, OrganisationType
from grants_app.money import parse_pounds, pounds_decimal
from grants_app.normalise import clean, compact, word_count
from grants_app.services.applicant_actions import APPLICANT_DOCUMENT_KINDS
from grants_app.services.application_checks import DESCRIPTION_MAX_WORDS, SUMMARY_MAX_WORDS
from grants_app.services.application_form import ORGANISATION_FIELDS, PriorityChoice
from grants_app.services.sign_in import normalise_email
from grants_app.uk_identifiers import normalise_charity_number, normalise_company_number

POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$")
PHONE = re.compile(r"^\+?[0-9 ()-]{10,20}$")
# Control characters other than tab and newlines are never typed by a person; refuse them, never store.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


# "(optional)" or "(if you have one)" at the end of a label: not part of the answer's name.
_OPTIONAL_NOTE = re.compile(r"\s*\((optional|if you have one)\)$")


def clean_text(value: str | None) -> str:
    """Surrounding spaces stripped, and what grants_app.normalise.clean() does to all form input."""
    return clean(value).strip()


class _CleanText:
    """Strips spaces and refuses invisible control characters (mixed into text and textarea fields).

    `what` names the answer at the start of a message ("What the money was spent on must not ..."):
    a label that is a question cannot ("What was the money spent on? must not ..."), so such a field
    gives `what`; without it a question's answer is "Your answer". A label that is not a question names
    it, less any "(optional)" note."""

    def __init__(self, *args, what: str | None = None, **kwargs) -> None:
        # An empty POST has no form data at all; the field is then "" rather than None.
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)
        label = self.label.text
        self.what = what or ("Your answer" if label.endswith("?") else _OPTIONAL_NOTE.sub("", label))
        # WTForms' own "Field cannot be longer than 200 characters." becomes a GOV.UK message.
        self.validators = [
            Length(v.min, v.max, message=f"{self.what} must be {v.max:,} characters or fewer")
            if isinstance(v, Length) and v.message is None and v.max and v.max > 0
            else v
            for v in self.validators
        ]

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        self.data = clean_text(self.data)

    def pre_validate(self, form):
        if CONTROL.search(self.data or ""):
            raise ValidationError(f"{self.what} must not contain special control characters")


class Text(_CleanText, StringField):
    widget = GovTextInput()


class LongText(_CleanText, TextAreaField):
    widget = GovTextArea()


class Code(Text):
    """A number or identifier (postcode, charity or company number, a count): every space and invisible
    character is dropped (grants_app.normalise.compact) before any check, so length limits count only
    what matters."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        self.data = compact(self.data)


class MaxWords:
    """Counted on the server: the browser's word counter is only a help."""

    def __init__(self, limit: int) -> None:
        self.limit = limit

    def __call__(self, form, field) -> None:
        words = word_count(field.data)
        if words > self.limit:
            raise ValidationError(
                f"{field.label.text} must be {self.limit} words or fewer. It has {words} words"
            )


class Required(InputRequired):
    """An answer must be given: WTForms' InputRequired looks only at what was sent, so an answer of
    spaces (or of characters clean() removes) passed it and was stored empty once _CleanText stripped
    it: an organisation with no name, an invitation to nobody. The cleaned answer must not be empty."""

    def __call__(self, form, field) -> None:
        super().__call__(form, field)
        if isinstance(field.data, str) and not field.data.strip():
            field.errors[:] = []
            raise StopValidation(self.message)


def required(label: str) -> Required:
    return Required(message=label)


class GovDateField(Field):
    """Day, month and year boxes, with the GOV.UK date input error messages. The month may be typed
    as a number, a name or an abbreviation (4, April, Apr)."""

    widget = GovDateInput()

    def _value(self):
        return self.data.strftime("%d %m %Y") if isinstance(self.data, date) else ""

    def process_formdata(self, valuelist):
        self.raw_data = list(valuelist) if valuelist else None
        self.data = None
        self.parse_error = None
        if not valuelist:
            return
        parts = [clean(v or "").strip() for v in list(valuelist)[:3]]
        while len(parts) < 3:
            parts.append("")
        # The widget redisplays exactly three boxes, whatever number of values was posted, each cut to
        # a box's length. The parser reads them whole: cut first, invisible characters pasted before a
        # month name ("\u200d\u202f December") pushed the name past the cut and the date was refused.
        self.raw_data = [p[:40] for p in parts]
        if not any(compact(p) for p in parts):
            return
        # One parser for every date a person types (grants_app.dates): month names and
        # abbreviations are accepted, as GOV.UK's date pattern asks.
        try:
            self.data = parse_date_parts(*parts, label=self.label.text)
        except ValueError as exc:
            self.parse_error = str(exc)

    def pre_validate(self, form):
        if getattr(self, "parse_error", None):
            raise ValidationError(self.parse_error)
        if self.data is None:
            raise ValidationError(f"Enter the {self.label.text.lower()}")


class Radios(RadioField):
    """Radios whose refusal messages come from the form's own validators (WTForms' are not GOV.UK's)."""

    widget = GovRadioInput()

    def pre_validate(self, form):
        pass


class Select(SelectField):
    widget = GovSelect()

    def pre_validate(self, form):
        pass


class Checkboxes(SelectMultipleField):
    """Checkboxes whose refusal messages are written by the form, not WTForms' defaults."""

    def pre_validate(self, form):
        pass


class YesNo(Radios):
    widget = GovRadioInput()

    def __init__(self, label: str, message: str, **kwargs) -> None:
        super().__init__(
            label, choices=[("yes", "Yes"), ("no", "No")], validators=[required(message)], **kwargs
        )

    def pre_validate(self, form):
        if self.data not in ("yes", "no"):
            raise ValidationError(self.validators[0].message)


class EligibilityTypeForm(FlaskForm):
    answer = Radios(
        "What type of organisation are you applying for?",
        choices=[(t.value, ORGANISATION_TYPE_LABELS[t]) for t in OrganisationType]
        + [("individual", "An individual, or a business that makes a profit")],
        validators=[required("Select the type of organisation you are applying for")],
        widget=GovRadioInput(),
    )

    def validate_answer(self, field):
        if field.data not in {value for value, _ in field.choices}:
            raise ValidationError("Select the type of organisation you are applying for")


class EligibilityYesNoForm(FlaskForm):
    answer = YesNo("", "Select yes or no")


class EmailForm(FlaskForm):
    email = Text(
        "Email address",
        description="We will email you a link to sign in. You do not need a password.",
        validators=[required("Enter your email address")],
    )

    def validate_email(self, field):
        try:
            field.data = normalise_email(field.data)
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc


class ConfirmForm(FlaskForm):
    """A form with nothing but its CSRF token: a button that changes something."""


class OrganisationForm(FlaskForm):
    name = Text("Organisation name", validators=[required("Enter your organisation's name"), Length(max=200)])
    org_type = Radios(
        "Type of organisation",
        choices=[(t.value, ORGANISATION_TYPE_LABELS[t]) for t in OrganisationType],
        validators=[required("Select the type of organisation")],
        widget=GovRadioInput(),
    )
    charity_number = Code(
        "Registered charity number (if you have one)",
        description="As the register of charities shows it, for example, 1087654, SC012345 or NIC100234. "
        "Registered charities and CIOs must give it.",
        # No Optional(): it would stop the check that charities and CIOs give their number.
        validators=[Length(max=20, message="Charity number must be the number on the register of charities")],
    )
    company_number = Code(
        "Company number (if you have one)",
        description="As Companies House shows it, for example, 05123456 or SC123456. CICs must give it.",
        validators=[Length(max=20, message="Company number must be 8 characters, like 05123456 or SC123456")],
    )
    address_line_1 = Text(
        "Address line 1",
        validators=[required("Enter address line 1, typically the building and street"), Length(max=200)],
    )
    address_line_2 = Text("Address line 2 (optional)", validators=[Optional(), Length(max=200)])
    town = Text("Town or city", validators=[required("Enter town or city"), Length(max=100)])
    postcode = Code(
        "Postcode",
        validators=[
            required("Enter postcode"),
            Length(max=10, message="Enter a real postcode, like SG1 1HN"),
        ],
    )
    contact_name = Text(
        "Main contact's full name",
        validators=[required("Enter the main contact's full name"), Length(max=200)],
    )
    contact_email = Text(
        "Main contact's email address", validators=[required("Enter the main contact's email address")]
    )
    contact_phone = Text(
        "Main contact's phone number (optional)",
        description="For international numbers include the country code",
        validators=[Optional(), Length(max=40)],
    )
    second_contact_name = Text(
        "Second contact's full name (optional)", validators=[Optional(), Length(max=200)]
    )
    second_contact_email = Text("Second contact's email address (optional)", validators=[Optional()])

    def validate_org_type(self, field):
        if field.data not in {t.value for t in OrganisationType}:
            raise ValidationError("Select the type of organisation")

    def validate_charity_number(self, field):
        try:
            field.data = normalise_charity_number(field.data)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None
        if not field.data and self.org_type.data in (
            OrganisationType.REGISTERED_CHARITY,
            OrganisationType.CIO,
        ):
            raise ValidationError("Enter your registered charity number")

    def validate_company_number(self, field):
        try:
            field.data = normalise_company_number(field.data)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None
        if not field.data and self.org_type.data == OrganisationType.CIC:
            raise ValidationError("Enter your company number")

    def validate_postcode(self, field):
        value = compact(field.data).upper()
        if not POSTCODE.match(value):
            raise ValidationError("Enter a real postcode, like SG1 1HN")
        field.data = f"{value[:-3]} {value[-3:]}"

    def validate_contact_email(self, field):
        field.data = _email_or_error(field.data, "the main contact's email address")

    def validate_second_contact_email(self, field):
        if field.data:
            field.data = _email_or_error(field.data, "the second contact's email address")

    def validate_contact_phone(self, field):
        if field.data and not PHONE.match(field.data):
            raise ValidationError("Enter a phone number, like 01438 242242 or 07700 900 982")

    def data_for_service(self) -> dict:
        return {name: getattr(self, name).data for name in ORGANISATION_FIELDS}


def _email_or_error(value: str, what: str) -> str:
    try:
        return normalise_email(value)
    except ValueError:
        raise ValidationError(f"Enter {what} in the correct format, like name@example.com") from None


class ProjectForm(FlaskForm):
    title = Text(
        "Project title",
        validators=[
            required("Enter your project's title"),
            Length(max=200, message="Project title must be 200 characters or fewer"),
        ],
    )
    summary = LongText(
        "Project summary",
        description=f"In no more than {SUMMARY_MAX_WORDS} words, what will the project do?",
        validators=[
            required("Enter a summary of your project"),
            Length(max=5000),
            MaxWords(SUMMARY_MAX_WORDS),
        ],
        widget=GovCharacterCount(),
    )
    description = LongText(
        "Project description",
        description=f"In no more than {DESCRIPTION_MAX_WORDS} words: what you will do, when, where, and how it makes people safer.",
        validators=[
            required("Enter a description of your project"),
            Length(max=20000),
            MaxWords(DESCRIPTION_MAX_WORDS),
        ],
        widget=GovCharacterCount(),
    )
    start_date = GovDateField("Start date")
    end_date = GovDateField("End date")
    ward_ids = Checkboxes("Which wards will the project work in?", coerce=str, widget=GovCheckboxesInput())
    beneficiaries_description = LongText(
        "Who will benefit?",
        what="Who will benefit",
        description="For example, young people aged 11 to 16 on the Bedwell estate",
        validators=[
            required("Tell us who will benefit from the project"),
            Length(max=2000, message="Who will benefit must be 2,000 characters or fewer"),
        ],
    )
    beneficiaries_count = Code(
        "How many people will take part or benefit?",
        what="The number of people",
        validators=[required("Enter how many people will take part or benefit")],
    )
    # Asked again here (not only in the eligibility check) because it decides whether a safeguarding
    # policy is required, and someone may have signed in without doing the check.
    works_with_children = YesNo(
        "Will the project work with children or adults at risk?",
        "Select yes if the project will work with children or adults at risk",
    )

    def validate_ward_ids(self, field):
        if not field.data:
            raise ValidationError("Select at least one ward")
        valid = {value for value, _ in field.choices}
        if any(v not in valid for v in field.data):
            raise ValidationError("Select wards from the list")

    def validate_beneficiaries_count(self, field):
        value = compact(field.data).replace(",", "")
        if not (value.isascii() and value.isdigit()) or len(value) > 9:
            raise ValidationError("Number of people must be a whole number, like 40")
        if not 1 <= int(value) <= 1_000_000:
            raise ValidationError("Number of people must be between 1 and 1,000,000")

    def data_for_service(self) -> dict:
        """The checked answers as application_form.save_project takes them."""
        return {
            "title": self.title.data,
            "summary": self.summary.data,
            "description": self.description.data,
            "start_date": self.start_date.data,
            "end_date": self.end_date.data,
            "beneficiaries_description": self.beneficiaries_description.data,
            "beneficiaries_count": int(compact(self.beneficiaries_count.data).replace(",", "")),
            "ward_ids": self.ward_ids.data,
            "works_with_children_or_adults_at_risk": self.works_with_children.data == "yes",
        }


class BudgetLineForm(FlaskForm):
    description = Text(
        "What is the cost for?",
        what="What the cost is for",
        description="For example, 40 hours of qualified coaching at £25 an hour",
        validators=[
            required("Enter what the cost is for"),
            Length(max=300, message="What the cost is for must be 300 characters or fewer"),
        ],
    )
    category_id = Select("Category", coerce=str, widget=GovSelect())
    amount = Text("Amount", validators=[required("Enter the amount")])

    def validate_category_id(self, field):
        if field.data not in {value for value, _ in field.choices if value}:
            raise ValidationError("Select a category")

    def validate_amount(self, field):
        try:
            self.amount_pence = parse_pounds(field.data)
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc
        if self.amount_pence <= 0:
            raise ValidationError("Amount must be more than £0")


class MatchFundingForm(FlaskForm):
    match_amount = Text(
        "Match funding (optional)",
        description="Money or support from elsewhere for this project. Leave blank if you have none.",
    )
    match_source = Text(
        "Where does the match funding come from?",
        what="Where the match funding comes from",
        validators=[Optional(), Length(max=300)],
    )

    def show(self, application) -> None:
        """Fill the boxes with what is saved."""
        pence = application.match_funding_pence
        self.match_amount.data = pounds_decimal(pence) if pence else ""
        self.match_source.data = application.match_funding_source

    def validate_match_amount(self, field):
        self.amount_pence = 0
        if field.data:
            try:
                self.amount_pence = parse_pounds(field.data)
            except ValueError as exc:
                raise ValidationError(str(exc)) from exc


class DocumentForm(FlaskForm):
    kind = Radios(
        "Which document are you uploading?",
        choices=[(k.value, DOCUMENT_KIND_LABELS[k]) for k in APPLICANT_DOCUMENT_KINDS],
        validators=[required("Select which document you are uploading")],
        widget=GovRadioInput(),
    )
    file = FileField(
        "Upload a file", description="PDF, DOCX, JPG or PNG, smaller than 10MB", widget=GovFileInput()
    )

    def validate_kind(self, field):
        if field.data not in {value for value, _ in field.choices}:
            raise ValidationError("Select which document you are uploading")

    def validate_file(self, field):
        data = field.data
        if data is None or not getattr(data, "filename", ""):
            raise ValidationError("Select a file to upload")


class DeclarationForm(FlaskForm):
    name = Text("Your full name", validators=[required("Enter your full name"), Length(max=200)])
    position = Text(
        "Your position in the organisation",
        description="For example, chair, secretary or treasurer",
        validators=[required("Enter your position in the organisation"), Length(max=200)],
    )
    confirm = BooleanField(
        "I confirm that the information in this application is true, and that our committee supports it",
        widget=GovCheckboxInput(),
    )

    def validate_confirm(self, field):
        if not field.data:
            raise ValidationError("Confirm that the information is true to make the declaration")


class ReasonForm(FlaskForm):
    reason = LongText(
        "Why are you withdrawing?",
        what="Your reason",
        validators=[
            required("Tell us why you are withdrawing the application"),
            Length(max=5000, message="Reason must be 5,000 characters or fewer"),
        ],
    )


class AnswerForm(FlaskForm):
    answer = LongText(
        "Your answer",
        validators=[
            required("Enter your answer to our question"),
            Length(max=5000, message="Your answer must be 5,000 characters or fewer"),
        ],
    )


class AcceptOfferForm(FlaskForm):
    """Accept (the authorised signatory's name and role, and their confirmation) or decline (why)."""

    decision = Radios(
        "Do you accept the offer?",
        choices=[
            ("accept", "Yes, we accept the offer and its conditions"),
            ("decline", "No, we decline the offer"),
        ],
        validators=[required("Select whether you accept the offer")],
        widget=GovRadioInput(),
    )
    # No Optional(): it would skip the checks below that depend on the decision.
    name = Text("Full name of the person accepting", validators=[Length(max=200)])
    role = Text("Their role in the organisation", validators=[Length(max=200)])
    confirm = BooleanField(
        "I confirm I am authorised to accept this offer for my organisation, and that it agrees to the "
        "conditions and terms in the offer letter",
        widget=GovCheckboxInput(),
    )
    reason = LongText("Why are you declining?", what="Your reason", validators=[Length(max=5000)])

    def validate_decision(self, field):
        if field.data not in ("accept", "decline"):
            raise ValidationError("Select whether you accept the offer")

    def validate_name(self, field):
        if self.decision.data == "accept" and not field.data:
            raise ValidationError("Enter the full name of the person accepting the offer")

    def validate_role(self, field):
        if self.decision.data == "accept" and not field.data:
            raise ValidationError("Enter the role of the person accepting, for example Chair or Treasurer")

    def validate_confirm(self, field):
        if self.decision.data == "accept" and not field.data:
            raise ValidationError("Confirm that you are authorised to accept the offer for your organisation")

    def validate_reason(self, field):
        if self.decision.data == "decline" and not field.data:
            raise ValidationError("Tell us why you are declining the offer")


class ChooseOrganisationForm(FlaskForm):
    """ "Which organisation is applying?" for someone who works for more than one. The choices (each
    organisation's id, then "new" for one not listed) are set by the page."""

    NEW = "new"
    # The "or" between the organisations and "A different organisation" (a divider, not a choice).
    DIVIDER = "or"

    organisation = Radios(
        "Which organisation is applying?",
        validators=[required("Select which organisation is applying")],
        widget=GovRadioInput(),
    )

    def validate_organisation(self, field):
        if field.data == self.DIVIDER or field.data not in {value for value, _ in field.choices}:
            raise ValidationError("Select which organisation is applying")


class InvitationAnswerForm(FlaskForm):
    answer = Radios(
        "",
        choices=[("accept", "Yes, join"), ("decline", "No, decline the invitation")],
        validators=[required("Select whether you want to join")],
        widget=GovRadioInput(),
    )

    def validate_answer(self, field):
        if field.data not in ("accept", "decline"):
            raise ValidationError(self.answer.validators[0].message)


class InviteForm(FlaskForm):
    name = Text("Their full name", validators=[required("Enter your colleague's full name"), Length(max=200)])
    email = Text("Their email address", validators=[required("Enter your colleague's email address")])

    def validate_email(self, field):
        field.data = _email_or_error(field.data, "your colleague's email address")


class PrioritiesForm:
    """The priorities page: a checkbox for each of the fund's priorities, each with its share of the
    project (a whole percentage) and how the project serves it.

    The fields depend on the fund, so this is a small form class of its own rather than WTForms fields.
    `validate()` checks format and length (the service checks the rules: shares add up to 100, one
    priority is 100%); `errors` maps field names (priorities, percentage_<id>, how_<id>) to messages.
    """

    MAX_HOW = 3000

    def __init__(self, priorities, formdata=None, splits=None) -> None:
        self.priorities = list(priorities)
        self.formdata = formdata
        self.errors: dict[str, str] = {}
        self.form_errors: list[str] = []
        self.choices: list[PriorityChoice] = []
        if formdata is None:
            splits = {s.priority_id: s for s in (splits or [])}
            self.chosen = {str(i) for i in splits}
            self.percentage = {i: str(s.percentage) for i, s in splits.items()}
            self.how = {i: s.how_it_helps for i, s in splits.items()}
        else:
            self.chosen = {
                v for v in formdata.getlist("priorities") if v.isascii() and v.isdigit() and len(v) < 10
            }
            self.percentage = {p.id: formdata.get(f"percentage_{p.id}", "")[:10] for p in self.priorities}
            self.how = {p.id: formdata.get(f"how_{p.id}", "")[: self.MAX_HOW] for p in self.priorities}

    def validate(self) -> bool:
        formdata = self.formdata
        for p in self.priorities:
            if str(p.id) not in self.chosen:
                continue
            raw_pct = compact(formdata.get(f"percentage_{p.id}", "")).removesuffix("%")
            pct: int | None = None
            if raw_pct:
                if raw_pct.isascii() and raw_pct.isdigit() and len(raw_pct) <= 3:
                    pct = int(raw_pct)
                else:
                    self.errors[f"percentage_{p.id}"] = "Percentage must be a whole number between 1 and 100"
            how = clean_text(formdata.get(f"how_{p.id}", ""))
            if len(how) > self.MAX_HOW:
                self.errors[f"how_{p.id}"] = (
                    "How the project serves this priority must be 3,000 characters or fewer"
                )
            elif CONTROL.search(how):
                self.errors[f"how_{p.id}"] = "Your answer must not contain special control characters"
            self.choices.append(PriorityChoice(p.id, pct, how))
        if len(self.chosen) != len(self.choices):
            self.errors["priorities"] = "Select priorities from the list"
        return not self.errors

    def add_refusal(self, refusal) -> None:
        self.errors.update(refusal.errors or {"priorities": refusal.message})

    @property
    def values(self) -> dict:
        return {"chosen": self.chosen, "percentage": self.percentage, "how": self.how}

    def summary(self) -> list[dict[str, str]]:
        """The GOV.UK error summary: each message links to its field (the first checkbox for the list)."""
        if not self.priorities:
            return []
        first = f"priorities-{self.priorities[0].id}"
        return [
            {"text": message, "href": "#" + (first if name == "priorities" else name)}
            for name, message in self.errors.items()
        ]
