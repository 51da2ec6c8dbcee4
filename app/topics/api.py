"""/api/Topics: minimal topic management, so links can be made without demo data."""
from app.named_resources import crud_blueprint
from app.topics.resource import TOPICS

bp = crud_blueprint("api_topics", "/api/Topics", TOPICS)
