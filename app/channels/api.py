"""/api/Channels: minimal channel management. Phone secrets are rotated in the dashboard only."""
from app.channels.resource import CHANNELS
from app.named_resources import crud_blueprint

bp = crud_blueprint("api_channels", "/api/Channels", CHANNELS)
