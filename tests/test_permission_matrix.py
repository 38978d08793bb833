"""Every role against every protected URL: allowed, or 403/404, and nothing unlisted."""

from __future__ import annotations

import importlib
import pkgutil

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

import tests
from ostoja.organisations.services import issue_api_token

from .matrix import ALL_ROLES

# URL names that are not ours to test here, with the reason.
EXEMPT_NAMESPACES = {"api": "JSON API: token-authenticated, covered by the API tests"}
EXEMPT_PREFIXES = {
    "account_": "django-allauth pages (login, logout, password reset): public by design",
    "mfa_": "django-allauth MFA pages: covered by tests/accounts/test_mfa.py",
}
EXEMPT = {"healthz": "public monitor endpoint, covered by tests/core/test_security.py"}


def _collect_matrix() -> dict:
    matrix = {}
    for mod in pkgutil.iter_modules(tests.__path__):
        if not mod.ispkg:
            continue
        try:
            module = importlib.import_module(f"tests.{mod.name}.matrix")
        except ModuleNotFoundError:
            continue
        overlap = set(matrix) & set(module.MATRIX)
        assert not overlap, f"URL names listed twice: {overlap}"
        matrix.update(module.MATRIX)
    return matrix


MATRIX = _collect_matrix()


def _all_url_names(resolver=None, namespace="") -> set[str]:
    names = set()
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            ns = namespace
            if pattern.namespace:
                ns = f"{namespace}{pattern.namespace}:"
            names |= _all_url_names(pattern, ns)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(f"{namespace}{pattern.name}")
    return names


def _exempt(name: str) -> bool:
    if name in EXEMPT or name.split(":")[0] in EXEMPT_NAMESPACES and ":" in name:
        return True
    return any(name.startswith(p) for p in EXEMPT_PREFIXES)


def test_every_url_is_in_the_matrix():
    missing = sorted(n for n in _all_url_names() if not _exempt(n) and n not in MATRIX)
    assert not missing, f"URLs without permission expectations: {missing}"


def test_matrix_names_exist():
    names = _all_url_names()
    stale = sorted(n for n in MATRIX if n not in names)
    assert not stale, f"Matrix lists URLs that no longer exist: {stale}"


CASES = [(name, role) for name in sorted(MATRIX) for role in ALL_ROLES]


@pytest.mark.parametrize(("name", "role"), CASES, ids=[f"{n}-{r or 'anon'}" for n, r in CASES])
def test_role_url_matrix(world, name, role):
    case = MATRIX[name]
    world.extra["token"], _ = issue_api_token(
        actor=None, organisation=world.orgs["network_member"], name="matrix"
    )
    for hook in getattr(case, "setup", None) or []:
        hook(world)
    kwargs = case.kwargs(world) if case.kwargs else {}
    url = reverse(name, kwargs=kwargs)
    client = world.client(role)
    data = case.data(world) if case.data else {}
    response = getattr(client, case.method)(url, data)
    expected = case.expect[role]
    assert response.status_code == expected, (
        f"{role or 'anonymous'} {case.method.upper()} {url}: got {response.status_code}, "
        f"expected {expected}"
    )
    if expected == 302 and role is None:
        assert "/accounts/login/" in response["Location"]
