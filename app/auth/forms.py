from flask_wtf import FlaskForm
from wtforms import IntegerField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

from app.auth.emails import representative_email


class LoginForm(FlaskForm):
    """LoginRequest: the dashboard's login form and POST /api/Auth/login."""

    email = StringField("E-mail", validators=[DataRequired(), representative_email, Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])


class PhoneLoginForm(FlaskForm):
    """PhoneLoginRequest for POST /api/Auth/phone-login."""

    channelID = IntegerField("Channel", validators=[DataRequired()])
    channelSecret = PasswordField("Channel secret", validators=[DataRequired(), Length(max=200)])
