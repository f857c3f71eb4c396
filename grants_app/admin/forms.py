"""Form pieces shared by the admin: one CSRF mechanism (Flask-WTF) and money entered in pounds."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.form import _Auto
from wtforms import BooleanField, PasswordField, RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional

from grants_app.dates import parse_date
from grants_app.money import parse_pounds, pounds_decimal


class AdminForm(FlaskForm):
    """Base for every Flask-Admin form, so list actions and edits carry Flask-WTF's CSRF token."""

    def __init__(self, formdata=_Auto, obj=None, prefix: str = "", **kwargs) -> None:
        # Flask-Admin's Unique validator compares against the row being edited, which its own
        # BaseForm keeps as _obj; without it every edit of a unique field says "Already exists".
        self._obj = obj
        super().__init__(formdata=formdata, obj=obj, prefix=prefix, **kwargs)


class PenceField(StringField):
    """Shows pence as pounds ('1500.00') and reads pounds back into integer pence."""

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        return pounds_decimal(self.data)

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        try:
            self.data = parse_pounds(valuelist[0])
        except ValueError as exc:
            self.data = None
            raise ValueError(str(exc)) from exc


class UKDateField(StringField):
    """A date in one box, read by grants_app.dates.parse_date: what a browser's date picker sends
    (2026-04-01) or what a person types (1/4/2026, 1 April 2026, 1 Apr 2026)."""

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return self.data.isoformat() if self.data else ""

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        try:
            self.data = parse_date(valuelist[0], label=self.label.text)
        except ValueError as exc:
            self.data = None
            raise ValueError(str(exc)) from exc


class SignInForm(FlaskForm):
    email = StringField("Email address", validators=[DataRequired("Enter your email address"), Email()])
    password = PasswordField("Password", validators=[DataRequired("Enter your password")])


class CodeForm(FlaskForm):
    code = StringField(
        "6-digit code from your authenticator app",
        validators=[DataRequired("Enter the 6-digit code"), Length(min=6, max=8)],
    )


class DeclarationForm(FlaskForm):
    has_interest = RadioField(
        "Do you have an interest in this application?",
        choices=[("no", "No, I have no interest"), ("yes", "Yes, I have an interest")],
        validators=[DataRequired("Choose whether you have an interest")],
    )
    nature = TextAreaField("If yes, describe the interest", validators=[Optional(), Length(max=2000)])


class ConfirmForm(FlaskForm):
    """A bare form for buttons that only need the CSRF token."""

    confirm = BooleanField(default=True)
