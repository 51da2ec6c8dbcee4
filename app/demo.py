"""The demo tenant: enough data that every screen looks alive.

Loading it twice leaves one demo tenant: the old one is deleted (with everything it owns)
and built again from the same seed, so the demo always looks the same.
"""
import random
from datetime import timedelta

import phonenumbers
from sqlalchemy import delete, select

from app.actors import Actor
from app.actions.models import Action, CustomFieldDefinition, HookAction, TopicAction
from app.auth.operations import create_representative
from app.auth.passwords import hash_password
from app.catalog.models import AIModel
from app.channels.models import Channel
from app.customers.models import Customer, CustomerSecret
from app.customers.operations import create_customer
from app.documents.models import Document
from app.end_users.models import EndUser, EndUserUID
from app.extensions import db
from app.tickets.models import Ticket, TicketMessage, ticket_topic
from app.timeutil import utcnow
from app.topics.models import Topic

DEMO_ACTOR = Actor.cli("demo")
DEMO_NAME = "Demo Support Co"
DEMO_ADMIN = "admin@demo.example.com"
DEMO_AGENT = "agent@demo.example.com"
DEMO_PASSWORD = "demo-password"
DEMO_PHONE_SECRET = "demo-phone-channel-secret"
END_USERS = 300

FIRST = ["Emma", "Lucas", "Olivia", "Noah", "Mila", "Liam", "Louise", "Arthur", "Nina", "Jules",
         "Sofia", "Victor", "Elena", "Adam", "Lea", "Finn", "Marie", "Tom", "Anna", "Milan"]
LAST = ["Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems", "Claes", "Goossens",
        "Wouters", "De Smet", "Dubois", "Lambert", "Martin", "Dupont", "Smith", "Garcia"]
CITIES = [("Antwerp", "2000", "BE"), ("Ghent", "9000", "BE"), ("Brussels", "1000", "BE"),
          ("Leuven", "3000", "BE"), ("Utrecht", "3511", "NL"), ("Lille", "59000", "FR")]
COMPANIES = [None, None, "Acme NV", "Brightside BV", "Northwind", "Globex", "Initech", "Umbrella"]
TOPICS = ["Billing", "Delivery", "Returns", "Technical issue", "Account access", "Product question",
          "Complaint", "Cancellation"]
SUBJECTS = {
    "Billing": ["Invoice is wrong", "Double charge on my card", "Where is my credit note?"],
    "Delivery": ["Parcel not arrived", "Change delivery address", "Delivery damaged"],
    "Returns": ["How do I return this?", "Refund still pending"],
    "Technical issue": ["App crashes on login", "Cannot connect the device"],
    "Account access": ["Password reset does not work", "Locked out of my account"],
    "Product question": ["Is this compatible with my model?", "Which size should I take?"],
    "Complaint": ["Very unhappy with the service", "Rude answer on the phone"],
    "Cancellation": ["Cancel my subscription", "Stop automatic renewal"],
}
FEEDBACK = ["Customer asked for a human, AI answer was too generic.",
            "Refund amount was wrong in the AI draft.",
            "Escalated: legal threat in the message.",
            "AI could not find the order number."]


def _phone(index: int, country: str) -> str:
    """A valid mobile number of that country, unique per index."""
    example = phonenumbers.example_number_for_type(country, phonenumbers.PhoneNumberType.MOBILE)
    digits = str(example.national_number)
    tail = f"{index:04d}"
    number = phonenumbers.parse(f"+{example.country_code}{digits[:-4]}{tail}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def load_demo() -> Customer:
    db.session.execute(delete(Customer).where(Customer.name == DEMO_NAME))
    db.session.flush()
    rng = random.Random(2026)
    customer, admin = create_customer(DEMO_ACTOR, DEMO_NAME, DEMO_ADMIN, DEMO_PASSWORD, subscription_level=2)
    admin.name = "Ada Admin"
    create_representative(customer.id, DEMO_ACTOR, DEMO_AGENT, DEMO_PASSWORD, role="Agent", name="Aiden Agent")
    _settings(customer, admin)
    topics = _topics(customer)
    channels = _channels(customer)
    documents = _documents(customer)
    end_users = _end_users(customer, rng)
    _tickets(customer, rng, end_users, topics, channels, admin)
    actions = _actions(customer)
    _links(customer, rng, actions, topics, channels, documents)
    db.session.flush()
    return customer


def _settings(customer: Customer, admin) -> None:
    by_api = {m.api_model_name: m for m in db.session.scalars(select(AIModel).where(AIModel.customer_id.is_(None)))}
    customer.default_customer_rep_id = admin.id
    customer.email_provider_type = "ImapSmtp"
    customer.imap_server, customer.imap_port = "imap.demo.example.com", 993
    customer.smtp_server, customer.smtp_port = "smtp.demo.example.com", 465
    customer.api_base_url = "https://crm.demo.example.com/api"
    customer.api_authentication_type = "Bearer"
    customer.twilio_account_sid = "AC" + "0" * 32
    customer.twilio_region = "ie1"
    customer.ticket_cleanup_retention_days = 365
    for attr, api_name in (("default_topic_model_id", "gpt-4.1-mini"), ("default_email_model_id", "gpt-4.1"),
                           ("default_webchat_model_id", "gpt-4.1"), ("default_spam_model_id", "gpt-4.1-nano"),
                           ("default_transcribe_model_id", "gpt-4o-transcribe"),
                           ("default_realtime_model_id", "gpt-4o-mini-realtime-preview")):
        if api_name in by_api:
            setattr(customer, attr, by_api[api_name].id)
    customer.default_email_model_internet_access_enabled = True
    customer.secrets.append(CustomerSecret(customer_id=customer.id, name="apiToken", value="demo-crm-token-1234"))
    customer.secrets.append(CustomerSecret(customer_id=customer.id, name="openAIApiKey", value="sk-demo-0000000000007f3a"))
    db.session.add(AIModel(
        customer_id=customer.id, purpose="Fine-tuned on Demo Support Co's e-mail replies",
        model_name="Demo replies (fine-tuned)", api_model_name="ft:gpt-4.1-mini:demo:replies",
        compatible_usages=["Email", "Webchat"], required_subscription_level=1, is_fine_tuned=True,
        has_function_calling=True, has_streaming=True,
    ))


def _topics(customer) -> list[Topic]:
    topics = [Topic(customer_id=customer.id, name=name, description=f"Conversations about {name.lower()}")
              for name in TOPICS]
    db.session.add_all(topics)
    db.session.flush()
    return topics


def _channels(customer) -> list[Channel]:
    channels = [
        Channel(customer_id=customer.id, name="Support mailbox", channel_type="Email"),
        Channel(customer_id=customer.id, name="Website chat", channel_type="Chat"),
        Channel(customer_id=customer.id, name="Main phone line", channel_type="Phone",
                secret_hash=hash_password(DEMO_PHONE_SECRET), secret_rotated_at=utcnow()),
        Channel(customer_id=customer.id, name="WhatsApp Business", channel_type="WhatsApp"),
        Channel(customer_id=customer.id, name="Old chat widget", channel_type="Chat", is_active=False),
    ]
    db.session.add_all(channels)
    db.session.flush()
    return channels


def _documents(customer) -> list[Document]:
    docs = [Document(customer_id=customer.id, name=n, content=c) for n, c in (
        ("Refund policy", "Refunds within 30 days of delivery."),
        ("Tone of voice", "Friendly, short, no jargon."),
        ("Phone greeting", "Welcome to Demo Support Co."),
    )]
    db.session.add_all(docs)
    db.session.flush()
    return docs


def _end_users(customer, rng: random.Random) -> list[EndUser]:
    users = []
    for index in range(END_USERS):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        city, postal, country = rng.choice(CITIES)
        user = EndUser(
            customer_id=customer.id, firstname=first, lastname=last,
            customer_type=rng.choice(["Lead", "Customer", "Customer", "Partner"]),
            customer_ref=f"ERP-{100000 + index}" if rng.random() < 0.7 else None,
            country=country, lang={"BE": "nl", "NL": "nl", "FR": "fr"}[country],
            city=city, postal_code=postal, street="Kerkstraat", house_number=str(rng.randint(1, 200)),
            company=rng.choice(COMPANIES),
        )
        slug = f"{first}.{last}".lower().replace(" ", "")
        user.uids.append(EndUserUID(customer_id=customer.id, uid_type="Email", uid=f"{slug}{index}@example.com", is_primary=True))
        phone = _phone(index, country)
        user.uids.append(EndUserUID(customer_id=customer.id, uid_type="Phone", uid=phone))
        if rng.random() < 0.4:
            user.uids.append(EndUserUID(customer_id=customer.id, uid_type="WhatsApp", uid=phone))
        if rng.random() < 0.2:
            user.uids.append(EndUserUID(customer_id=customer.id, uid_type="Email", uid=f"{slug}.work{index}@example.org"))
        users.append(user)
    db.session.add_all(users)
    db.session.flush()
    return users


def _tickets(customer, rng, users, topics, channels, admin) -> None:
    now = utcnow()
    active = [c for c in channels if c.is_active]
    links = []
    for user in users:
        for _ in range(rng.choice([0, 1, 1, 2, 3])):
            channel = rng.choice(active)
            uid = next((u.uid for u in user.uids if u.uid_type == {"Email": "Email", "Phone": "Phone", "WhatsApp": "WhatsApp"}.get(channel.channel_type)), user.uids[0].uid)
            topic = rng.choice(topics)
            status = rng.choice(["Open", "Open", "Pending", "Escalated", "Closed", "Closed"])
            started = now - timedelta(days=rng.randint(0, 120), minutes=rng.randint(0, 1440))
            ticket = Ticket(
                customer_id=customer.id, channel_id=channel.id, uid=uid,
                customer_ref=user.customer_ref if rng.random() < 0.2 else None,
                subject=rng.choice(SUBJECTS[topic.name]), status=status, is_closed=status == "Closed",
                is_spam=rng.random() < 0.03, customer_rep_id=admin.id if rng.random() < 0.5 else None,
                created_date=started,
            )
            moment = started
            for turn in range(rng.randint(1, 5)):
                moment += timedelta(minutes=rng.randint(2, 600))
                sender = "EndUser" if turn % 2 == 0 else rng.choice(["AI", "Representative"])
                escalated = status == "Escalated" and turn == 1
                ticket.messages.append(TicketMessage(
                    customer_id=customer.id, sender=sender, created_date=moment,
                    body=ticket.subject if turn == 0 else "Thanks for your message, we are looking into it.",
                    is_escalated=escalated, ai_feedback_comment=rng.choice(FEEDBACK) if escalated else None,
                ))
            ticket.last_message_date = moment
            ticket.closed_date = moment if status == "Closed" else None
            db.session.add(ticket)
            links.append((ticket, topic))
    db.session.flush()
    db.session.execute(ticket_topic.insert(), [
        {"customer_id": customer.id, "ticket_id": t.id, "topic_id": topic.id} for t, topic in links
    ])


def _actions(customer) -> dict[str, Action]:
    specs = [
        dict(name="Detect topics", action_type="DetectTopics", description="Classify the conversation"),
        dict(name="Mark obvious spam", action_type="Spam", description="Flag messages the spam model is sure of"),
        dict(name="Draft a reply", action_type="Reply", description="Draft an answer for review"),
        dict(name="Send reply", action_type="ReplySend", description="Generate and send an answer"),
        dict(name="Send order confirmation", action_type="Send", description="Send a templated message"),
        dict(name="Forward to billing", action_type="Forward", forward_recipients="billing@demo.example.com,finance@demo.example.com"),
        dict(name="Forward call to on-call", action_type="Forward", forward_phone_number="+3232000000", description="Transfer the call"),
        dict(name="Wait 30 seconds", action_type="Wait", wait_seconds=30, description="Give the customer time to add details"),
        dict(name="Wait 15 seconds", action_type="Wait", wait_seconds=15),
        dict(name="Close resolved ticket", action_type="Close"),
        dict(name="Delete duplicates", action_type="Delete", is_active=False, description="Disabled until reviewed"),
        dict(name="Look up order in CRM", action_type="ApiCall", api_endpoint="/orders/{{ticket.orderNumber}}",
             api_method="GET", api_headers='{"Accept": "application/json"}',
             response_field_mapping='{"status": "order.status"}', is_function_tool=True,
             function_parameters_schema='{"type": "object", "properties": {"orderNumber": {"type": "string"}}, "required": ["orderNumber"]}',
             tool_call_timeout_seconds=20, description="Fetch order status"),
        dict(name="Update CRM contact", action_type="ApiCall", api_endpoint="/customers/{{endUser.customerRef}}",
             api_method="PUT", api_body_template='{"lastContact": "{{ticket.lastMessageDate}}"}',
             field_mapping='{"email": "primaryEmail"}', override_api_authentication_type="Bearer",
             action_schedule="Mon-Fri 08:00-18:00", action_schedule_time_zone_id="Europe/Brussels"),
    ]
    actions = {}
    for spec in specs:
        action = Action(customer_id=customer.id, **spec)
        db.session.add(action)
        actions[spec["name"]] = action
    db.session.flush()
    crm = actions["Look up order in CRM"]
    crm.custom_field_definitions.append(CustomFieldDefinition(
        customer_id=customer.id, action_id=crm.id, name="orderNumber", label="Order number",
        field_type="Text", is_required=True, sort_order=1))
    return actions


def _links(customer, rng, actions, topics, channels, documents) -> None:
    by_type = {c.channel_type: c for c in channels if c.is_active}
    a = actions
    topic_lists = {
        "Billing": [a["Look up order in CRM"], a["Forward to billing"], a["Draft a reply"]],
        "Delivery": [a["Look up order in CRM"], a["Send reply"]],
        "Returns": [a["Draft a reply"], a["Send order confirmation"], a["Close resolved ticket"]],
        "Complaint": [a["Draft a reply"], a["Forward to billing"]],
        "Cancellation": [a["Update CRM contact"], a["Send reply"], a["Close resolved ticket"]],
    }
    by_name = {t.name: t for t in topics}
    for topic_name, chain in topic_lists.items():
        for position, action in enumerate(chain, start=1):
            db.session.add(TopicAction(customer_id=customer.id, topic_id=by_name[topic_name].id,
                                       action_id=action.id, priority=position * 10))
    for position, action in enumerate([a["Send reply"], a["Close resolved ticket"]], start=1):
        db.session.add(TopicAction(customer_id=customer.id, topic_id=by_name["Billing"].id,
                                   channel_id=by_type["Chat"].id, action_id=action.id, priority=position * 10))
    hook_lists = {
        ("PreSpam", None): [a["Mark obvious spam"]],
        ("PostSpam", None): [a["Detect topics"]],
        ("PostTopicDetection", None): [a["Wait 30 seconds"], a["Look up order in CRM"], a["Draft a reply"], a["Send reply"]],
        ("PostTopicDetection", by_type["Email"].id): [a["Wait 15 seconds"], a["Update CRM contact"]],
        ("OnEscalate", None): [a["Forward to billing"], a["Update CRM contact"]],
        ("OnClose", None): [a["Update CRM contact"], a["Send order confirmation"]],
        ("OnEndUserAdd", None): [a["Update CRM contact"]],
        ("OnPhonePickup", by_type["Phone"].id): [a["Wait 15 seconds"], a["Forward call to on-call"]],
    }
    for (hook, channel_id), chain in hook_lists.items():
        for position, action in enumerate(chain, start=1):
            document_id = documents[2].id if hook == "OnPhonePickup" and position == 1 else None
            db.session.add(HookAction(customer_id=customer.id, hook_name=hook, channel_id=channel_id,
                                      action_id=action.id, document_id=document_id, priority=position * 10))
