"""Import every model so that the metadata (and Alembic) sees the whole schema."""
from app.actions.models import Action, CustomFieldDefinition, HookAction, TopicAction  # noqa: F401
from app.api_keys.models import ApiKey  # noqa: F401
from app.audit.models import AuditEvent  # noqa: F401
from app.auth.models import Representative  # noqa: F401
from app.catalog.models import AIModel  # noqa: F401
from app.channels.models import Channel  # noqa: F401
from app.customers.models import Customer, CustomerSecret  # noqa: F401
from app.documents.models import Document  # noqa: F401
from app.end_users import search_text  # noqa: F401  (keeps EndUser.search_text current)
from app.end_users.models import EndUser, EndUserUID  # noqa: F401
from app.sso.models import SsoSettings  # noqa: F401
from app.jobs.models import Job, JobEvent, JobRowError  # noqa: F401
from app.end_users.merge_models import DismissedDuplicate, EndUserMerge  # noqa: F401
from app.tickets.models import Ticket, TicketMessage, ticket_topic  # noqa: F401
from app.topics.models import Topic  # noqa: F401
