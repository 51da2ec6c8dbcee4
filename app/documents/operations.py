"""Writes for documents. They take the tenant and the actor and only flush."""
from app.actors import Actor
from app.audit.recorder import EntityKind, audited, register
from app.documents.models import Document
from app.extensions import db

register(Document, EntityKind("Document", lambda d: d.name, lambda d: {"name": d.name, "content": d.content}))


def create_document(customer_id: int, actor: Actor, name: str, content: str | None) -> Document:
    document = Document(customer_id=customer_id)
    with audited(customer_id, actor, "Create", document):
        document.name, document.content = name.strip(), content
        db.session.add(document)
        db.session.flush()
    return document
