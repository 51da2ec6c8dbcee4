"""The settings groups together are exactly CustomerUpdateDTO, so the pages and the API share every rule."""
from app.customers.forms import GROUPS, CustomerUpdateForm
from app.customers.models import MODEL_USAGES, SECRET_FIELDS
from app.customers.serializers import FIELDS
from app.jsonforms import form_fields


def _names(form_cls):
    return [name for name, _ in form_fields(form_cls)]


def test_groups_partition_the_update_dto():
    groups = [_names(cls) for _, cls in GROUPS.values()]
    flat = [name for names in groups for name in names]
    assert len(flat) == len(set(flat))
    assert set(flat) == set(_names(CustomerUpdateForm)) == set(FIELDS) | set(SECRET_FIELDS)
    assert set(MODEL_USAGES.values()) <= set(flat)


def test_update_form_rules_are_the_group_rules():
    for _, cls in GROUPS.values():
        for name, unbound in form_fields(cls):
            assert getattr(CustomerUpdateForm, name) is unbound
