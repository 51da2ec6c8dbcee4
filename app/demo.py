"""The demo tenant: enough data that every screen looks alive.

Loading it twice leaves one demo tenant: the old one is deleted (with everything it owns)
and built again from the same seed, so the demo always looks the same. Every row is written by
the features' own operations, as the command-line actor; the caller commits.
"""
import random
from datetime import timedelta

import phonenumbers
from sqlalchemy import select

from app.actions.models import Action, HookAction, TopicAction
from app.actions.operations import add_custom_field, create_action, create_link
from app.actions.serializers import ACTION_FIELDS
from app.actors import Actor
from app.auth.operations import create_representative
from app.catalog.models import AIModel
from app.catalog.operations import add_own_model
from app.channels.models import Channel
from app.api_keys.operations import create_api_key
from app.channels.operations import create_channel, rotate_channel_secret
from app.customers.models import Customer
from app.customers.operations import create_customer, delete_customer, update_settings
from app.documents.models import Document
from app.documents.operations import create_document
from app.end_users.models import EndUser
from app.end_users.bulk import bulk_change
from app.end_users.duplicates import dismiss
from app.end_users.importing import start_import
from app.end_users.merging import merge_end_users
from app.end_users.operations import create_end_user
from app.extensions import db
from app.sso.operations import save_settings
from app.tickets.operations import record_ticket
from app.timeutil import utcnow
from app.topics.models import Topic
from app.topics.operations import create_topic

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
    old = db.session.scalar(select(Customer).where(Customer.name == DEMO_NAME))
    if old is not None:
        delete_customer(DEMO_ACTOR, old)
    rng = random.Random(2026)
    customer, admin = create_customer(DEMO_ACTOR, DEMO_NAME, DEMO_ADMIN, DEMO_PASSWORD, subscription_level=2,
                                      admin_name="Ada Admin")
    create_representative(customer.id, DEMO_ACTOR, DEMO_AGENT, DEMO_PASSWORD, role="Agent", name="Aiden Agent")
    _settings(customer, admin)
    topics = _topics(customer)
    channels = _channels(customer)
    documents = _documents(customer)
    end_users = _end_users(customer, rng)
    _tickets(customer, rng, end_users, topics, channels, admin)
    actions = _actions(customer)
    _links(customer, rng, actions, topics, channels, documents)
    create_api_key(customer.id, DEMO_ACTOR, "Demo CRM sync", ["endusers:read", "actions:read"], None)
    _power_tools(customer, end_users)
    return customer


# A CRM export with one row the form refuses: the import's report has an error to show.
DEMO_IMPORT = (b"firstname;lastname;company;email;phone\n"
               b"Noor;Peeters;Brightline;noor.peeters@example.com;+32470555101\n"
               b"Ruben;Maes;Northwind;not-an-address;+32470555102\n"
               b"Lotte;Jacobs;Brightline;lotte.jacobs@example.com;+32470555103\n")


def _power_tools(customer, users: list[EndUser]) -> None:
    """A merge done, a pair marked as not the same person, single sign-on prepared (off), a bulk
    change and a CSV import queued (the app's worker runs it after the commit), so every screen has something."""
    cid = customer.id
    louise = create_end_user(cid, DEMO_ACTOR, {"firstname": "Louise", "lastname": "Claes", "company": "Claes & Co",
                                               "uids": [{"uidType": "Email", "uid": "louise@claes.example.com"}]})
    by_phone = create_end_user(cid, DEMO_ACTOR, {"firstname": "Louise", "lastname": "Claes",
                                                 "uids": [{"uidType": "Phone", "uid": "+32470111222"}]})
    merge_end_users(cid, DEMO_ACTOR, louise, by_phone)
    create_end_user(cid, DEMO_ACTOR, {"firstname": "L.", "lastname": "Claes",  # still a suggestion: same number
                                      "uids": [{"uidType": "WhatsApp", "uid": "+32470111222"}]})
    dismiss(cid, DEMO_ACTOR, users[0], users[1])
    save_settings(cid, DEMO_ACTOR, {"enabled": False, "issuer": "https://login.demo.example.com",
                                    "clientId": "switchboard-demo", "allowedDomain": "demo.example.com",
                                    "createAgents": False})
    bulk_change(cid, DEMO_ACTOR, [users[2].id, users[3].id], "setCustomerType", "Partner")
    start_import(cid, DEMO_ACTOR, "crm-export.csv", DEMO_IMPORT, "upsert", False)


def _settings(customer: Customer, admin) -> None:
    by_api = {m.api_model_name: m for m in db.session.scalars(select(AIModel).where(AIModel.customer_id.is_(None)))}
    values = {
        "defaultCustomerRepID": admin.id, "emailProviderType": "ImapSmtp",
        "imapServer": "imap.demo.example.com", "imapPort": 993, "smtpServer": "smtp.demo.example.com", "smtpPort": 465,
        "apiBaseUrl": "https://crm.demo.example.com/api", "apiAuthenticationType": "Bearer",
        "twilioAccountSID": "AC" + "0" * 32, "twilioRegion": "ie1", "ticketCleanupRetentionDays": 365,
        "defaultEmailModelInternetAccessEnabled": True,
    }
    for field, api_name in (("defaultTopicModelId", "gpt-4.1-mini"), ("defaultEmailModelId", "gpt-4.1"),
                            ("defaultWebchatModelId", "gpt-4.1"), ("defaultSpamModelId", "gpt-4.1-nano"),
                            ("defaultTranscribeModelId", "gpt-4o-transcribe"),
                            ("defaultRealtimeModelId", "gpt-4o-mini-realtime-preview")):
        if api_name in by_api:
            values[field] = by_api[api_name].id
    secrets = {"apiToken": "demo-crm-token-1234", "openAIApiKey": "sk-demo-0000000000007f3a"}
    update_settings(customer.id, DEMO_ACTOR, customer, values, secrets)
    add_own_model(
        customer.id, DEMO_ACTOR, purpose="Fine-tuned on Demo Support Co's e-mail replies",
        model_name="Demo replies (fine-tuned)", api_model_name="ft:gpt-4.1-mini:demo:replies",
        compatible_usages=["Email", "Webchat"], required_subscription_level=1, is_fine_tuned=True,
        has_function_calling=True, has_streaming=True,
    )


def _topics(customer) -> list[Topic]:
    return [create_topic(customer.id, DEMO_ACTOR, {"name": name, "description": f"Conversations about {name.lower()}",
                                                   "isActive": True}) for name in TOPICS]


def _channels(customer) -> list[Channel]:
    channels = [create_channel(customer.id, DEMO_ACTOR, {"name": name, "channelType": kind, "isActive": active})
                for name, kind, active in (
                    ("Support mailbox", "Email", True), ("Website chat", "Chat", True),
                    ("Main phone line", "Phone", True), ("WhatsApp Business", "WhatsApp", True),
                    ("Old chat widget", "Chat", False))]
    rotate_channel_secret(customer.id, DEMO_ACTOR, channels[2], secret=DEMO_PHONE_SECRET)
    return channels


def _documents(customer) -> list[Document]:
    return [create_document(customer.id, DEMO_ACTOR, name, content) for name, content in (
        ("Refund policy", "Refunds within 30 days of delivery."),
        ("Tone of voice", "Friendly, short, no jargon."),
        ("Phone greeting", "Welcome to Demo Support Co."),
    )]


def _end_users(customer, rng: random.Random) -> list[EndUser]:
    users = []
    for index in range(END_USERS):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        city, postal, country = rng.choice(CITIES)
        profile = {
            "firstname": first, "lastname": last,
            "customerType": rng.choice(["Lead", "Customer", "Customer", "Partner"]),
            "customerRef": f"ERP-{100000 + index}" if rng.random() < 0.7 else None,
            "country": country, "lang": {"BE": "nl", "NL": "nl", "FR": "fr"}[country],
            "city": city, "postalCode": postal, "street": "Kerkstraat", "houseNumber": str(rng.randint(1, 200)),
            "company": rng.choice(COMPANIES),
        }
        slug = f"{first}.{last}".lower().replace(" ", "")
        phone = _phone(index, country)
        uids = [{"uidType": "Email", "uid": f"{slug}{index}@example.com", "isPrimary": True},
                {"uidType": "Phone", "uid": phone}]
        if rng.random() < 0.4:
            uids.append({"uidType": "WhatsApp", "uid": phone})
        if rng.random() < 0.2:
            uids.append({"uidType": "Email", "uid": f"{slug}.work{index}@example.org"})
        users.append(create_end_user(customer.id, DEMO_ACTOR, {**profile, "uids": uids}))
    return users


def _tickets(customer, rng, users, topics, channels, admin) -> None:
    now = utcnow()
    active = [c for c in channels if c.is_active]
    for user in users:
        for _ in range(rng.choice([0, 1, 1, 2, 3])):
            channel = rng.choice(active)
            uid = next((u.uid for u in user.uids if u.uid_type == channel.channel_type), user.uids[0].uid)
            topic = rng.choice(topics)
            status = rng.choice(["Open", "Open", "Pending", "Escalated", "Closed", "Closed"])
            started = now - timedelta(days=rng.randint(0, 120), minutes=rng.randint(0, 1440))
            customer_ref = user.customer_ref if rng.random() < 0.2 else None
            subject = rng.choice(SUBJECTS[topic.name])
            values = dict(
                channel_id=channel.id, uid=uid, customer_ref=customer_ref, subject=subject, status=status,
                is_closed=status == "Closed",
                is_spam=rng.random() < 0.03, customer_rep_id=admin.id if rng.random() < 0.5 else None,
                created_date=started,
            )
            messages, moment = [], started
            for turn in range(rng.randint(1, 5)):
                moment += timedelta(minutes=rng.randint(2, 600))
                escalated = status == "Escalated" and turn == 1
                messages.append(dict(
                    sender="EndUser" if turn % 2 == 0 else rng.choice(["AI", "Representative"]), created_date=moment,
                    body=subject if turn == 0 else "Thanks for your message, we are looking into it.",
                    is_escalated=escalated, ai_feedback_comment=rng.choice(FEEDBACK) if escalated else None,
                ))
            values["closed_date"] = moment if status == "Closed" else None
            record_ticket(customer.id, DEMO_ACTOR, values, messages, [topic.id])


def _action(**fields) -> dict:
    """An action's values by DTO name: what a form would hand create_action."""
    return {**{dto: None for dto in ACTION_FIELDS}, "isActive": True, "isFunctionTool": False, **fields}


def _actions(customer) -> dict[str, Action]:
    specs = [
        _action(name="Detect topics", actionType="DetectTopics", description="Classify the conversation"),
        _action(name="Mark obvious spam", actionType="Spam", description="Flag messages the spam model is sure of"),
        _action(name="Draft a reply", actionType="Reply", description="Draft an answer for review"),
        _action(name="Send reply", actionType="ReplySend", description="Generate and send an answer"),
        _action(name="Send order confirmation", actionType="Send", description="Send a templated message"),
        _action(name="Forward to billing", actionType="Forward",
                forwardRecipients="billing@demo.example.com,finance@demo.example.com"),
        _action(name="Forward call to on-call", actionType="Forward", forwardPhoneNumber="+3232000000",
                description="Transfer the call"),
        _action(name="Wait 30 seconds", actionType="Wait", waitSeconds=30, description="Give the customer time to add details"),
        _action(name="Wait 15 seconds", actionType="Wait", waitSeconds=15),
        _action(name="Close resolved ticket", actionType="Close"),
        _action(name="Delete duplicates", actionType="Delete", isActive=False, description="Disabled until reviewed"),
        _action(name="Look up order in CRM", actionType="ApiCall", apiEndpoint="/orders/{{ticket.orderNumber}}",
                apiMethod="GET", apiHeaders='{"Accept": "application/json"}',
                responseFieldMapping='{"status": "order.status"}', isFunctionTool=True,
                functionParametersSchema='{"type": "object", "properties": {"orderNumber": {"type": "string"}}, "required": ["orderNumber"]}',
                toolCallTimeoutSeconds=20, description="Fetch order status"),
        _action(name="Update CRM contact", actionType="ApiCall", apiEndpoint="/customers/{{endUser.customerRef}}",
                apiMethod="PUT", apiBodyTemplate='{"lastContact": "{{ticket.lastMessageDate}}"}',
                fieldMapping='{"email": "primaryEmail"}', overrideApiAuthenticationType="Bearer",
                actionSchedule="Mon-Fri 08:00-18:00", actionScheduleTimeZoneId="Europe/Brussels"),
    ]
    actions = {spec["name"]: create_action(customer.id, DEMO_ACTOR, spec, {}, None) for spec in specs}
    add_custom_field(customer.id, DEMO_ACTOR, actions["Look up order in CRM"], name="orderNumber", label="Order number",
                     field_type="Text", is_required=True, sort_order=1)
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
            create_link(customer.id, DEMO_ACTOR, TopicAction, {"topic_id": by_name[topic_name].id,
                                                               "action_id": action.id, "priority": position * 10})
    for position, action in enumerate([a["Send reply"], a["Close resolved ticket"]], start=1):
        create_link(customer.id, DEMO_ACTOR, TopicAction, {"topic_id": by_name["Billing"].id, "channel_id": by_type["Chat"].id,
                                                           "action_id": action.id, "priority": position * 10})
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
            create_link(customer.id, DEMO_ACTOR, HookAction, {"hook_name": hook, "channel_id": channel_id, "action_id": action.id,
                                                              "document_id": document_id, "priority": position * 10})
