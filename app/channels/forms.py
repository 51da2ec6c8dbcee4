from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from app.channels.models import CHANNEL_TYPES


class ChannelForm(FlaskForm):
    """ChannelCreateDTO / ChannelUpdateDTO: the dashboard's channel form and the /api/Channels body."""

    channelID = IntegerField("Channel id", validators=[Optional()])
    name = StringField("Name", validators=[DataRequired(), Length(max=100)])
    channelType = SelectField("Type", choices=list(CHANNEL_TYPES), validators=[DataRequired()])
    isActive = BooleanField("Active")
