"""A dry run: the steps a sample message would go through on a channel, and what each would do.

Read-only by construction: it reads the links in their run order (app/pipeline/run_order.py), fills
placeholders in a sandbox and describes outbound calls without making them. The routes that call it
are marked read_only, so their unit of work ends in a rollback whatever happens.
"""
from dataclasses import dataclass
from datetime import datetime

from app.actions.models import Action
from app.channels.models import Channel
from app.customers.models import Customer
from app.domain_errors import NotFound
from app.end_users.models import EndUser
from app.end_users.serializers import END_USER, sorted_uids
from app.extensions import db
from app.pipeline import schedule
from app.pipeline.outbound import outbound_request
from app.pipeline.run_order import (
    CLOSE_HOOKS,
    ESCALATION_HOOKS,
    HOOK_ORDER,
    MESSAGE_HOOKS,
    MESSAGE_HOOKS_BEFORE_TOPICS,
    PHONE_HOOKS,
    Planned,
    hook_orders,
    topic_orders,
)
from app.tenancy import get_scoped_or_404, in_id_range, scoped
from app.timeutil import iso, utcnow
from app.topics.models import Topic

CONDITIONS_UNKNOWN = ("Its conditionalRules are decided by the AI model when the message arrives; a dry run cannot "
                      "evaluate them, so whether it runs is not known.")


@dataclass(frozen=True)
class Sample:
    channel: Channel
    topics: list[Topic]
    end_user: EndUser | None
    subject: str
    body: str
    at: datetime


@dataclass
class Step:
    hook_name: str | None
    topic_id: int | None
    topic_name: str | None
    link_id: int | None
    every_channel: bool
    action_id: int
    action_name: str
    action_type: str
    priority: int | None
    wait_seconds: int
    would_run: bool | None
    reason: str
    request: dict | None
    forward: dict | None


def default_hooks(channel: Channel) -> tuple[str, ...]:
    """Without a `hooks` list: every stage a message goes through, and the pickup hooks of a phone channel."""
    return MESSAGE_HOOKS + (PHONE_HOOKS if channel.channel_type == "Phone" else ())


def _plain(value):
    """Placeholder values: None shows as nothing, not as "None"."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return "" if value is None else value


def placeholder_values(sample: Sample) -> dict:
    end_user, channel = sample.end_user, sample.channel
    person = {}
    if end_user is not None:
        person = END_USER.dump(end_user, last_interaction=None)
        uids = sorted_uids(end_user)
        person["email"] = next((u.uid for u in uids if u.uid_type == "Email"), None)
        person["phone"] = next((u.uid for u in uids if u.uid_type in ("Phone", "WhatsApp")), None)
    first_uid = next(iter(sorted_uids(end_user)), None) if end_user is not None else None
    moment = iso(sample.at)
    ticket = {
        "ticketID": None, "status": "Open", "subject": sample.subject, "channelID": channel.id,
        "channelName": channel.name, "channelType": channel.channel_type, "uid": first_uid.uid if first_uid else None,
        "customerRef": end_user.customer_ref if end_user else None, "createdDate": moment, "lastMessageDate": moment,
        "isClosed": False, "isSpam": False, "topics": [t.name for t in sample.topics],
    }
    return _plain({
        "endUser": person, "ticket": ticket, "message": {"subject": sample.subject, "body": sample.body},
        "channel": {"channelID": channel.id, "name": channel.name, "channelType": channel.channel_type},
    })


def _verdict(action: Action, sample: Sample, topic: Topic | None) -> tuple[bool | None, list[str]]:
    if not action.is_active:
        return False, ["The action is inactive."]
    if topic is not None and not topic.is_active:
        return False, [f"The topic {topic.name} is inactive."]
    if not sample.channel.is_active:
        return False, [f"The channel {sample.channel.name} is inactive."]
    timing = schedule.evaluate(action.action_schedule, action.action_schedule_time_zone_id, sample.at)
    if timing.runs is False:
        return False, [timing.reason]
    reasons = [timing.reason] if timing.reason else []
    if timing.runs is None:
        return None, reasons
    if (action.conditional_rules or "").strip():
        return None, [*reasons, CONDITIONS_UNKNOWN]
    return True, reasons


def _what_it_does(action: Action, request: dict | None, forward: dict | None) -> str:
    kind = action.action_type
    if kind == "ApiCall" and request:
        return f"Calls {request['method']} {request['url'] or '(no address)'}."
    if kind == "Forward" and forward:
        return "Forwards to " + ", ".join(forward["recipients"] or [forward["phoneNumber"] or "nobody"]) + "."
    if kind == "Wait":
        return f"Waits {action.wait_seconds or 0} s."
    return {
        "Reply": "Drafts a reply.", "ReplySend": "Generates and sends a reply.", "Send": "Sends a message.",
        "Close": "Closes the ticket.", "Delete": "Deletes the message.", "Spam": "Marks the message as spam.",
        "DetectTopics": "Runs topic detection.",
    }.get(kind, "")


def step_for(action: Action, sample: Sample, customer: Customer, values: dict, planned: Planned | None = None,
             hook_name: str | None = None, topic: Topic | None = None) -> Step:
    would_run, reasons = _verdict(action, sample, topic)
    request = forward = None
    if action.action_type == "ApiCall":
        request, _, notes = outbound_request(action, customer, values)
        reasons += notes
        if request["unknownPlaceholders"]:
            reasons.append("Unknown placeholders (filled with nothing): " + ", ".join(request["unknownPlaceholders"]) + ".")
        if request["templateErrors"]:
            reasons.append("A template could not be filled: " + " ".join(request["templateErrors"]))
    if action.action_type == "Forward":
        forward = {"recipients": [r for r in (action.forward_recipients or "").split(",") if r],
                   "phoneNumber": action.forward_phone_number}
    if would_run is not False:
        reasons.insert(0, _what_it_does(action, request, forward))
    return Step(
        hook_name=hook_name, topic_id=topic.id if topic else None, topic_name=topic.name if topic else None,
        link_id=planned.link.id if planned else None, every_channel=planned.every_channel if planned else False,
        action_id=action.id, action_name=action.name, action_type=action.action_type,
        priority=planned.priority if planned else None,
        wait_seconds=(action.wait_seconds or 0) if action.action_type == "Wait" else 0,
        would_run=would_run, reason=" ".join(r for r in reasons if r), request=request, forward=forward,
    )


def run(customer_id: int, sample: Sample, hooks: list[str] | None = None) -> list[Step]:
    """Every step in run order: the hooks before topic detection, each topic's actions, then escalation
    and close, then any end-user or phone hook asked for."""
    customer = db.session.get(Customer, customer_id)
    values = placeholder_values(sample)
    chosen = set(hooks) if hooks else set(default_hooks(sample.channel))
    ordered = [h for h in HOOK_ORDER if h in chosen]
    by_hook = hook_orders(customer_id, ordered, sample.channel.id)
    by_topic = topic_orders(customer_id, [t.id for t in sample.topics], sample.channel.id)
    steps: list[Step] = []

    def hook_steps(names):
        for name in names:
            if name in chosen:
                steps.extend(step_for(p.action, sample, customer, values, p, hook_name=name) for p in by_hook[name])

    hook_steps(MESSAGE_HOOKS_BEFORE_TOPICS)
    for topic in sample.topics:
        steps.extend(step_for(p.action, sample, customer, values, p, topic=topic) for p in by_topic[topic.id])
    hook_steps(ESCALATION_HOOKS + CLOSE_HOOKS)
    hook_steps([h for h in ordered if h not in MESSAGE_HOOKS])
    return steps


def preview(customer_id: int, action: Action, sample: Sample) -> Step:
    """One action alone, as it would run for the sample message."""
    customer = db.session.get(Customer, customer_id)
    return step_for(action, sample, customer, placeholder_values(sample))


def sample_from(customer_id: int, form) -> tuple[Sample, list[str] | None]:
    """A validated DryRunForm -> (the sample, the hooks asked for); another tenant's or an unknown
    channel, topic or end user is a NotFound (404), exactly as for an id that exists nowhere."""
    channel = get_scoped_or_404(Channel, customer_id, form.channelID.data)
    topic_ids = list(dict.fromkeys(entry.data for entry in form.topicIDs.entries))
    found = {t.id: t for t in db.session.scalars(
        scoped(Topic, customer_id, Topic.id.in_([i for i in topic_ids if in_id_range(i)])))} if topic_ids else {}
    if len(found) != len(topic_ids):
        raise NotFound()
    topics = [found[ident] for ident in topic_ids]
    end_user = get_scoped_or_404(EndUser, customer_id, form.endUserID.data) if form.endUserID.data else None
    message = form.message.form
    hooks = [entry.data for entry in form.hooks.entries] or None
    sample = Sample(channel, topics, end_user, message.subject.data or "", message.body.data or "",
                    form.at.data or utcnow())
    return sample, hooks
