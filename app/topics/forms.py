from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, StringField
from wtforms.validators import DataRequired, Length, Optional


class TopicForm(FlaskForm):
    """TopicCreateDTO / TopicUpdateDTO: the dashboard's topic form and the /api/Topics body."""

    topicID = IntegerField("Topic id", validators=[Optional()])
    name = StringField("Name", validators=[DataRequired(), Length(max=100)])
    description = StringField("Description", validators=[Optional(), Length(max=500)])
    isActive = BooleanField("Active")
