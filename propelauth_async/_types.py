"""Small shared types: the sentinels (``UNSET``, ``NO_BODY``, ``NOT_FOUND``), JSON aliases, and
``Unpack`` for typed ``**options`` on every supported Python."""

from __future__ import annotations

import enum
import sys
from typing import Any, Final, Literal, TypeAlias, TypeVar

# Imported for real, not only for type checkers: get_type_hints() of the paged methods must work.
if sys.version_info >= (3, 11):
    from typing import Unpack as Unpack
else:  # pragma: no cover - Python 3.10
    from typing_extensions import Unpack as Unpack

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


class _NoBody(enum.Enum):
    NO_BODY = "NO_BODY"

    def __repr__(self) -> str:
        return "NO_BODY"


NO_BODY: Final = _NoBody.NO_BODY
"""Marks a request sent without a body, where ``None`` would send JSON ``null``."""


class _NotFound(enum.Enum):
    NOT_FOUND = "NOT_FOUND"

    def __repr__(self) -> str:
        return "NOT_FOUND"

    def __bool__(self) -> Literal[False]:
        return False


NOT_FOUND: Final = _NotFound.NOT_FOUND
"""What one attempt gives for a 404 that the endpoint row reads as "missing" (the requester
turns it into ``None``): a missing thing is an answer, and no error is built for it."""

NotFound: TypeAlias = Literal[_NotFound.NOT_FOUND]

T = TypeVar("T")
Unsettable: TypeAlias = T | Literal[_Unset.UNSET]
