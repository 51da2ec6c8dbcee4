"""Writes for documents. They take the tenant and the actor and only flush."""
from app.actors import Actor
from app.documents.models import Document
from app.extensions import db


def create_document(customer_id: int, actor: Actor, name: str, content: str | None) -> Document:
    document = Document(customer_id=customer_id, name=name.strip(), content=content)
    db.session.add(document)
    db.session.flush()
    return document
