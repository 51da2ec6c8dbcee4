"""The one validation source of a dry run: the "Try a message" form and the API's JSON body."""
from flask_wtf import FlaskForm
from wtforms import Form, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields import FieldList, FormField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.actions.models import HOOK_NAMES
from app.jsonforms import TimestampField

MAX_TOPICS = 100


class MessageForm(Form):
    """The sample message (a plain Form: it lives inside the dry-run form)."""

    subject = StringField("Subject", validators=[Optional(), Length(max=500)])
    body = TextAreaField("Message", validators=[Optional(), Length(max=20_000)])


class DryRunForm(FlaskForm):
    """DryRunRequest: the channel, the topics detected, the end user and the message."""

    channelID = IntegerField("Channel", validators=[DataRequired(message="Choose a channel.")])
    topicIDs = FieldList(IntegerField("Topic", validators=[DataRequired()]), validators=[
        Length(max=MAX_TOPICS, message=f"At most {MAX_TOPICS} topics.")],
        description="The topics topic detection found; their TopicActions run in this order.")
    endUserID = IntegerField("End user", validators=[Optional(), NumberRange(min=1)],
                             description="Whose values fill the {{endUser.*}} placeholders.")
    message = FormField(MessageForm)
    hooks = FieldList(SelectField("Hook", choices=list(HOOK_NAMES)), validators=[
        Length(max=len(HOOK_NAMES), message=f"At most {len(HOOK_NAMES)} hooks.")],
        description="Only these hooks (default: every stage of a message on this channel).")
    at = TimestampField("When", description="When the message arrives, for schedules (default: now).")
