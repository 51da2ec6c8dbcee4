"""Writes for tickets. Conversations arrive from the platform; the console records them only to
seed a tenant (the demo, imports). Operations take the tenant and the actor and only flush."""
from app.actors import Actor
from app.audit.recorder import EntityKind, audited, register
from app.extensions import db
from app.tickets.models import Ticket, TicketMessage, ticket_topic

register(Ticket, EntityKind("Ticket", lambda t: t.subject or f"Ticket {t.id}", lambda t: {
    "channelID": t.channel_id, "uid": t.uid, "customerRef": t.customer_ref, "subject": t.subject, "status": t.status}))


def record_ticket(customer_id: int, actor: Actor, values: dict, messages: list[dict], topic_ids: list[int]) -> Ticket:
    """A ticket with its messages (model attribute names) and the topics it was classified into."""
    ticket = Ticket(customer_id=customer_id)
    with audited(customer_id, actor, "Create", ticket):
        for name, value in values.items():
            setattr(ticket, name, value)
        for message in messages:
            ticket.messages.append(TicketMessage(customer_id=customer_id, **message))
        if messages:
            ticket.last_message_date = max(m["created_date"] for m in messages)
        db.session.add(ticket)
        db.session.flush()
    if topic_ids:
        db.session.execute(ticket_topic.insert(), [
            {"customer_id": customer_id, "ticket_id": ticket.id, "topic_id": topic_id} for topic_id in topic_ids])
    return ticket
