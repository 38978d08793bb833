"""State changes of organisations, memberships and API tokens."""

from __future__ import annotations

import hashlib
import secrets
import threading
import time

from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify

from ostoja.audit.services import log_action

from .models import ApiToken, Membership, Organisation
from .roles import Role
from .scopes import DEFAULT_SCOPES, validate_scopes

TOKEN_PREFIX = "ost_"


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


@transaction.atomic
def create_organisation(*, actor, name: str, kind: str, slug: str = "", **fields) -> Organisation:
    if kind not in Organisation.Kind.values:
        raise ValueError(f"Unknown organisation kind: {kind}")
    org = Organisation(name=name, kind=kind, slug=slug or slugify(name)[:80], **fields)
    org.full_clean()
    org.save()
    log_action(
        "organisations.organisation.created",
        actor=actor,
        organisation=org,
        target=org,
        data={"name": name, "kind": kind, "country": org.country},
    )
    return org


@transaction.atomic
def set_verified(*, actor, organisation: Organisation, verified: bool) -> Organisation:
    organisation.verified = verified
    organisation.save(update_fields=["verified", "updated_at"])
    log_action(
        "organisations.organisation.verified"
        if verified
        else "organisations.organisation.unverified",
        actor=actor,
        organisation=organisation,
        target=organisation,
    )
    return organisation


@transaction.atomic
def add_membership(*, actor, user, organisation: Organisation, role: str) -> Membership:
    if role not in Role.values:
        raise ValueError(f"Unknown role: {role}")
    membership, created = Membership.objects.get_or_create(
        user=user, organisation=organisation, role=role
    )
    if created:
        log_action(
            "organisations.membership.added",
            actor=actor,
            organisation=organisation,
            target=user,
            data={"role": role},
        )
    return membership


@transaction.atomic
def remove_membership(*, actor, membership: Membership) -> None:
    log_action(
        "organisations.membership.removed",
        actor=actor,
        organisation=membership.organisation,
        target=membership.user,
        data={"role": membership.role},
    )
    membership.delete()


@transaction.atomic
def issue_api_token(
    *, actor, organisation: Organisation, name: str, scopes=DEFAULT_SCOPES
) -> tuple[ApiToken, str]:
    """Create a token; return it with its secret. The secret is shown once and never stored."""
    scopes = validate_scopes(scopes)
    prefix = secrets.token_hex(4)
    secret = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        organisation=organisation,
        name=name[:100] or "API",
        prefix=prefix,
        token_hash=hash_token(secret),
        scopes=scopes,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    log_action(
        "organisations.api_token.issued",
        actor=actor,
        organisation=organisation,
        target=token,
        data={"name": token.name, "prefix": prefix, "scopes": scopes},
    )
    return token, secret


@transaction.atomic
def revoke_api_token(*, actor, token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        forget_cached_tokens()
        log_action(
            "organisations.api_token.revoked",
            actor=actor,
            organisation=token.organisation,
            target=token,
            data={"prefix": token.prefix},
        )
    return token


# Tokens recently seen by this process: token hash -> (monotonic time read, token). Partner
# systems send many requests a second; loading the token with its organisation through the ORM
# on every API call cost a noticeable share of intake time (bench: hotline intake).
#
# A cached token is still checked on every request with one primary-key read of its
# ``revoked_at`` (``_still_active``): revocation -- through the service, the admin or plain
# SQL -- takes effect in every process on the next request (issue 11, item 4). The cache keeps
# the token and organisation objects for TOKEN_CACHE_SECONDS; only the revocation bit is read.
TOKEN_CACHE_SECONDS = 2.0
_token_cache: dict[str, tuple[float, ApiToken]] = {}
_token_cache_lock = threading.Lock()


def forget_cached_tokens() -> None:
    with _token_cache_lock:
        _token_cache.clear()


def _still_active(token_id: int) -> bool:
    """One indexed read: the token exists and is not revoked (shared by every process)."""
    table = connection.ops.quote_name(ApiToken._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT 1 FROM {table} WHERE id = %s AND revoked_at IS NULL",  # noqa: S608
            [token_id],
        )
        return cursor.fetchone() is not None


def authenticate_token(secret: str) -> ApiToken | None:
    """Return the active token for a presented secret, or None.

    The last-use time is written at most once a minute (no write per API call).
    """
    if not secret or not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    digest = hash_token(secret)
    clock = time.monotonic()
    cached = _token_cache.get(digest)
    if cached is not None and clock - cached[0] < TOKEN_CACHE_SECONDS:
        token = cached[1]
        if not _still_active(token.pk):
            with _token_cache_lock:
                _token_cache.pop(digest, None)
            return None
    else:
        token = (
            ApiToken.objects.active()
            .select_related("organisation")
            .filter(token_hash=digest)
            .first()
        )
        with _token_cache_lock:
            if token is None:
                _token_cache.pop(digest, None)
                return None
            if len(_token_cache) > 10_000:  # many distinct tokens: start again
                _token_cache.clear()
            _token_cache[digest] = (clock, token)
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
