"""/api/Channels: minimal channel management. Phone secrets are rotated in the dashboard only."""
from app.named_resources import crud_blueprint
from app.channels.resource import CHANNELS

bp = crud_blueprint("api_channels", "/api/Channels", CHANNELS)
