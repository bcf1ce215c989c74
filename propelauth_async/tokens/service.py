"""The old name of :mod:`propelauth_async.tokens.namespace` (``client.tokens``), kept so that
``from propelauth_async.tokens.service import Tokens`` goes on working."""

from .namespace import Tokens

__all__ = ["Tokens"]
