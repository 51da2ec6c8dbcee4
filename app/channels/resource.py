"""The channels as a NamedResource: what their API and dashboard switches are built from."""
from app.channels.forms import ChannelForm
from app.channels.models import CHANNEL_SCHEMA, Channel
from app.channels.operations import create_channel, delete_channel, set_channel_active, update_channel
from app.named_resources import NamedResource

CHANNELS = NamedResource(
    model=Channel, form=ChannelForm, noun="channel", id_field="channelID", id_param="channel_id", schema=CHANNEL_SCHEMA,
    sortable={"Name": Channel.name, "ChannelID": Channel.id, "ChannelType": Channel.channel_type,
              "IsActive": Channel.is_active},
    stored_values=lambda c: {"name": c.name, "channelType": c.channel_type, "isActive": c.is_active},
    create=create_channel, update=update_channel, set_active=set_channel_active, delete=delete_channel,
)
