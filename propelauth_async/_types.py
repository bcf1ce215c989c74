"""Small shared types: the ``UNSET`` sentinel and JSON aliases."""

from __future__ import annotations

import enum
from typing import Any, Final, Literal, TypeAlias, TypeVar

JSONObject = dict[str, Any]
"""A JSON object as the server sends it (metadata, properties): keys are strings."""


class _Unset(enum.Enum):
    UNSET = "UNSET"

    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> Literal[False]:
        return False


UNSET: Final = _Unset.UNSET
"""Marks an update argument that was not given: the field is left as it is on the server.

``None`` is different: where a field may be cleared, ``None`` sends ``null``.
"""

T = TypeVar("T")
Unsettable: TypeAlias = T | Literal[_Unset.UNSET]
