"""Role × URL expectations. Each app's ``tests/<app>/matrix.py`` contributes ``MATRIX``.

An entry: URL name → ``Case(kwargs=callable(world) -> dict, method, expect={role: status})``.
``ANON`` is the anonymous visitor. Every named human URL must appear in some matrix (or in
``EXEMPT`` with a reason); ``tests/test_permission_matrix.py`` enforces both.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ostoja.organisations.roles import Role

ANON = None
COORD = Role.COORDINATOR.value
ANALYST = Role.HOTLINE_ANALYST.value
SUPER = Role.HOTLINE_SUPERVISOR.value
MEMBER = Role.NETWORK_MEMBER.value
OFFICER = Role.AUTHORITY_OFFICER.value
EDITOR = Role.SERVICE_EDITOR.value
MANAGER = Role.ORGANISATION_MANAGER.value
SAFEGUARD = Role.SAFEGUARDING_OFFICER.value
ALL_ROLES = [ANON, COORD, ANALYST, SUPER, MEMBER, OFFICER, EDITOR, MANAGER, SAFEGUARD]
SIGNED_IN = [COORD, ANALYST, SUPER, MEMBER, OFFICER, EDITOR, MANAGER, SAFEGUARD]


@dataclass
class Case:
    expect: dict
    kwargs: Any = None  # callable(world) -> dict
    method: str = "get"
    data: Any = field(default=None)  # callable(world) -> dict for POST
    setup: Any = None  # list of callables(world) that create objects into world.extra


def only(allowed: list, ok: int = 200, denied: int = 403, anon: int = 302) -> dict:
    """Expectation: roles in ``allowed`` get ``ok``; other signed-in roles ``denied``."""
    result = {}
    for role in ALL_ROLES:
        if role in allowed:
            result[role] = ok
        elif role is ANON:
            result[role] = anon
        else:
            result[role] = denied
    return result


def everyone(status: int = 200) -> dict:
    return dict.fromkeys(ALL_ROLES, status)
