"""The converter: lenient about shape, strict about types, and the same objects as __init__."""

from __future__ import annotations

import enum
import inspect
from typing import Any

import attrs
import pytest

from propelauth_async import MalformedResponseError, OrgMemberInfo, ScimGroup, User
from propelauth_async._convert import structure
from propelauth_async.models import api_keys, flows, membership, orgs, reports, users

from .conftest import ORG_ID, USER_ID, user_json

MODEL_MODULES = (api_keys, flows, membership, orgs, reports, users)
MODELS = sorted(
    {
        cls
        for module in MODEL_MODULES
        for _, cls in inspect.getmembers(module, inspect.isclass)
        if attrs.has(cls) and cls.__module__ == module.__name__
    },
    key=lambda cls: cls.__name__,
)
MEMBER = {
    "org_id": ORG_ID,
    "org_name": "Acme",
    "user_role": "Admin",
    "inherited_user_roles_plus_current_role": ["Admin", "Member"],
}


def _minimal(cls: type) -> dict[str, Any]:
    """The required fields of ``cls``, each with a value of its type."""
    samples: dict[Any, Any] = {str: "x", int: 7, bool: True, float: 1.5}
    out: dict[str, Any] = {}
    for field in attrs.fields(attrs.resolve_types(cls)):
        if field.default is attrs.NOTHING:
            tp = field.type
            out[field.name] = samples.get(tp) or (_minimal(tp) if attrs.has(tp) else {})
    return out


@pytest.mark.parametrize("cls", MODELS, ids=lambda cls: cls.__name__)
def test_every_model_reads_its_required_fields_like_init(cls: type) -> None:
    data = _minimal(cls)
    types = {field.name: field.type for field in attrs.fields(cls)}
    expected = cls(**{name: structure(value, types[name]) for name, value in data.items()})
    built = structure({**data, "a_future_field": [1, 2]}, cls)
    assert type(built) is cls and built == expected


def test_unknown_keys_ignored_missing_and_null_take_defaults() -> None:
    user = structure({"user_id": USER_ID, "email": "a@b.io", "new_field": 1, "locked": None}, User)
    assert user == User(user_id=USER_ID, email="a@b.io")
    group = structure(
        {"group_id": "g", "members": None, "members_page_number": None, "members_page_size": 5},
        ScimGroup,
    )
    assert group.members == () and group.members_page_number == 0
    assert group.members_page_size == 5
    info = structure({**MEMBER, "org_metadata": None, "org_role_structure": None}, OrgMemberInfo)
    assert info.org_metadata == {} and info.org_role_structure == "single_role_in_hierarchy"


def test_full_user_with_memberships_drops_null_roles() -> None:
    data = user_json(
        org_id_to_org_info={ORG_ID: MEMBER, "x": {**MEMBER, "org_id": "x", "user_role": None}}
    )
    user = structure(data, User)
    assert user.properties == {"plan": "pro"} and user.created_at == 1645131680
    assert user.org_id_to_org_info is not None and list(user.org_id_to_org_info) == [ORG_ID]
    assert user.org_id_to_org_info[ORG_ID].inherited_user_roles_plus_current_role == (
        "Admin",
        "Member",
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("locked", "yes"),
        ("locked", 1),
        ("created_at", "1645131680"),
        ("created_at", True),
        ("created_at", 1.5),
        ("username", 7),
        ("username", ["ada"]),
        ("email", None),
        ("properties", ["plan"]),
        ("properties", "plan"),
        ("org_id_to_org_info", []),
    ],
)
def test_a_wrong_json_type_is_refused(field: str, value: Any) -> None:
    with pytest.raises(MalformedResponseError) as info:
        structure(user_json(**{field: value}), User)
    assert info.value.status_code == 200
    assert structure(user_json(), User).user_id == USER_ID  # the control reads fine


@pytest.mark.parametrize(
    "data",
    [
        None,
        [],
        "user",
        {"email": "a@b.io"},
        {**MEMBER, "user_permissions": "read"},
        {**MEMBER, "user_permissions": ["read", 3]},
    ],
)
def test_shapes_that_cannot_be_read(data: Any) -> None:
    cls = OrgMemberInfo if isinstance(data, dict) and "org_id" in data else User
    with pytest.raises(MalformedResponseError):
        structure(data, cls)


def test_subclasses_of_json_types_take_the_slow_path() -> None:
    class Role(str, enum.Enum):
        ADMIN = "Admin"

    info = structure({**MEMBER, "user_role": Role.ADMIN, "user_permissions": ("a",)}, OrgMemberInfo)
    assert info.user_role == "Admin" and info.user_permissions == ("a",)
    assert structure(3, float) == 3 and structure([1, 2], tuple[int, ...]) == (1, 2)
    with pytest.raises(MalformedResponseError):
        structure(True, int)


@attrs.frozen(kw_only=True)
class _Checked:
    """Its __init__ validates: the converter must call it rather than fill the slots."""

    count: int = attrs.field(validator=attrs.validators.ge(0))
    label: str = "none"


@attrs.frozen(kw_only=True, slots=False)
class _DictBacked:
    name: str
    tags: tuple[str, ...] = ()


def test_classes_whose_init_does_more_are_built_through_it() -> None:
    assert structure({"count": 2}, _Checked) == _Checked(count=2)
    with pytest.raises(MalformedResponseError):
        structure({"count": -1}, _Checked)
    assert structure({"name": "n", "tags": ["a"]}, _DictBacked) == _DictBacked(
        name="n", tags=("a",)
    )
