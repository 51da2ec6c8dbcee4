"""The topics as a NamedResource: what their API and dashboard switches are built from."""
from app.named_resources import NamedResource
from app.topics.forms import TopicForm
from app.topics.models import TOPIC_SCHEMA, Topic
from app.topics.operations import create_topic, delete_topic, set_topic_active, update_topic

TOPICS = NamedResource(
    model=Topic, form=TopicForm, noun="topic", id_field="topicID", id_param="topic_id", schema=TOPIC_SCHEMA,
    sortable={"Name": Topic.name, "TopicID": Topic.id, "IsActive": Topic.is_active},
    stored_values=lambda t: {"name": t.name, "description": t.description, "isActive": t.is_active},
    create=create_topic, update=update_topic, set_active=set_topic_active, delete=delete_topic,
)
