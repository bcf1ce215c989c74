"""Hostile arguments to every public method of every namespace: only our errors come out.

The methods are found by looking (see ``hostile_arguments.py``), so a method added later gets
its own case here without a line of code. Each gets a few calls with hostile values, the same
on every run; ``python tests/hostile_arguments.py --calls 20000`` runs many more at random.
"""

from __future__ import annotations

import pytest

from .hostile_arguments import method_names, run

CALLS_PER_METHOD = 3
METHODS = method_names()


def test_every_namespace_is_walked() -> None:
    expected = {
        "users.fetch",
        "users.iter",
        "orgs.update",
        "api_keys.fetch_usage",
        "magic_links.create",
        "reports.champions.query",
        "reports.fetch_chart",
        "scim.iter_group_members",
        "tokens.verify",
        "role_mappings.fetch_all",
    }
    assert expected <= set(METHODS)
    assert len(METHODS) >= 90


@pytest.mark.parametrize("method", METHODS)
def test_hostile_arguments_raise_only_our_errors(method: str) -> None:
    tally = run(CALLS_PER_METHOD, only=method, strict=True)
    assert tally.calls >= 1  # a method without parameters has only one call to make
