"""State changes of organisations, memberships and API tokens."""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
import time
import unicodedata

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from ostoja.audit.services import log_action

from . import countries, teryt
from .models import ApiToken, Membership, Organisation
from .roles import Role
from .scopes import DEFAULT_SCOPES, validate_scopes

TOKEN_PREFIX = "ost_"


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class StaleOrganisation(Exception):
    """Someone else changed the organisation since the editor loaded it (optimistic
    concurrency): nothing was written. ``current`` is the organisation as it is now."""

    def __init__(self, current: Organisation):
        super().__init__(f"organisation {current.pk} is at version {current.version}")
        self.current = current


#: Fields a coordinator edits (the slug is fixed at creation: links and exports use it).
EDITABLE_FIELDS = (
    "name",
    "kind",
    "country",
    "voivodeship",
    "teryt_code",
    "contact_email",
    "website",
    "language",
    "verified",
)

# Characters that reorder or hide text (bidi controls, zero-width) have no place in a name.
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if _INVISIBLE.search(name) or any(unicodedata.category(ch) == "Cc" for ch in name):
        raise ValidationError(
            {"name": _("The name contains invisible or control characters.")}, code="invisible"
        )
    return name


def _normalise(org: Organisation, *, exclude_pk: int | None = None) -> None:
    """Check and complete an organisation before it is written. Raises ValidationError with
    translated, per-field messages; writes nothing."""
    errors: dict[str, list] = {}
    org.country = countries.normalise(org.country)
    org.teryt_code = (org.teryt_code or "").strip()
    org.contact_email = (org.contact_email or "").strip()
    org.website = (org.website or "").strip()
    if org.kind not in Organisation.Kind.values:
        errors.setdefault("kind", []).append(
            ValidationError(_("Unknown kind of organisation."), code="invalid_kind")
        )
    if not countries.is_country(org.country):
        errors.setdefault("country", []).append(
            ValidationError(
                _("“%(code)s” is not a country code (ISO 3166-1 alpha-2, e.g. PL, DE)."),
                code="invalid_country",
                params={"code": org.country[:10]},
            )
        )
    if org.country != "PL" and org.voivodeship:
        errors.setdefault("voivodeship", []).append(
            ValidationError(_("A voivodeship is only given for Poland."), code="not_poland")
        )
    if org.teryt_code:
        is_polish_authority = org.kind == Organisation.Kind.LOCAL_AUTHORITY and org.country == "PL"
        unit = teryt.get(org.teryt_code)
        if not is_polish_authority:
            errors.setdefault("teryt_code", []).append(
                ValidationError(
                    _("Only a Polish local authority has a TERYT code."), code="not_authority"
                )
            )
        elif unit is None or not unit.is_authority:
            errors.setdefault("teryt_code", []).append(
                ValidationError(
                    _(
                        "%(code)s is not a local authority in the TERYT register "
                        "(state as of %(date)s)."
                    ),
                    code="not_in_register",
                    params={"code": org.teryt_code[:20], "date": teryt.register().date},
                )
            )
        else:
            # The register decides the voivodeship, and names the authority if no one did.
            org.voivodeship = unit.voivodeship_code
            if not org.name:
                org.name = teryt.authority_name(unit)
            if org.is_active:
                other = (
                    Organisation.objects.active()
                    .filter(teryt_code=org.teryt_code)
                    .exclude(pk=exclude_pk)
                    .first()
                )
                if other is not None:
                    errors.setdefault("teryt_code", []).append(
                        ValidationError(
                            _("%(name)s already represents this local authority (TERYT %(code)s)."),
                            code="duplicate_teryt",
                            params={"name": other.name, "code": org.teryt_code},
                        )
                    )
    try:
        org.name = _clean_name(org.name)
    except ValidationError as exc:
        errors.setdefault("name", []).extend(exc.error_dict["name"])
    if errors:
        raise ValidationError(errors)


# Path segments of the organisations' own pages (``/organisations/new/``…).
RESERVED_SLUGS = frozenset({"new", "register"})


def _unique_slug(name: str) -> str:
    base = slugify(teryt.fold(name))[:72].strip("-") or "organisation"
    slug, n = base, 1
    while slug in RESERVED_SLUGS or Organisation.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def _duplicate_teryt_error(org: Organisation) -> ValidationError:
    return ValidationError(
        {
            "teryt_code": ValidationError(
                _("An active organisation already represents this local authority."),
                code="duplicate_teryt",
            )
        }
    )


@transaction.atomic
def create_organisation(*, actor, name: str, kind: str, slug: str = "", **fields) -> Organisation:
    """Create an organisation of any kind. A Polish local authority may carry its TERYT code
    (checked against the register, which also gives its voivodeship and, if ``name`` is
    empty, its name). Raises ValidationError (translated, per field); writes nothing then."""
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"create_organisation() got unexpected fields: {sorted(unknown)}")
    org = Organisation(name=name, kind=kind, **fields)
    _normalise(org)
    if slug in RESERVED_SLUGS:
        raise ValidationError({"slug": _("This short name is reserved.")}, code="reserved")
    org.slug = slug or _unique_slug(org.name)
    org.full_clean()
    try:
        with transaction.atomic():
            org.save()
    except IntegrityError:
        # Two coordinators adding the same authority at once: the partial unique index decides.
        if org.teryt_code:
            raise _duplicate_teryt_error(org) from None
        raise
    log_action(
        "organisations.organisation.created",
        actor=actor,
        organisation=org,
        target=org,
        data={
            "name": org.name,
            "kind": org.kind,
            "country": org.country,
            **({"teryt_code": org.teryt_code} if org.teryt_code else {}),
        },
    )
    return org


def _audit_value(value):
    return value if isinstance(value, bool | int | type(None)) else str(value)


@transaction.atomic
def update_organisation(
    *, actor, organisation: Organisation, version: int, **changes
) -> Organisation:
    """Change an organisation's fields, only if it is still at ``version`` (the version the
    editor loaded). Raises StaleOrganisation if someone changed it meanwhile (nothing is
    written), ValidationError on bad input. Logs the changed fields, old and new."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"update_organisation() got unexpected fields: {sorted(unknown)}")
    current = Organisation.objects.get(pk=organisation.pk)
    if current.version != version:
        raise StaleOrganisation(current)
    proposed = Organisation.objects.get(pk=organisation.pk)
    for field, value in changes.items():
        setattr(proposed, field, value)
    not_polish_authority = (
        proposed.kind != Organisation.Kind.LOCAL_AUTHORITY or proposed.country != "PL"
    )
    if not_polish_authority and "teryt_code" not in changes:
        proposed.teryt_code = ""  # only a Polish local authority keeps its code
    _normalise(proposed, exclude_pk=current.pk)
    # Field-level checks (lengths, e-mail, http/https website, choices) and constraints.
    proposed.full_clean()
    changed = {
        field: [_audit_value(getattr(current, field)), _audit_value(getattr(proposed, field))]
        for field in EDITABLE_FIELDS
        if getattr(current, field) != getattr(proposed, field)
    }
    if not changed:
        return current
    now = timezone.now()
    values = {field: getattr(proposed, field) for field in changed}
    try:
        with transaction.atomic():
            # The version check is in the UPDATE itself: of two editors who both read version
            # N, exactly one matches a row here; the other gets StaleOrganisation.
            updated = Organisation.objects.filter(pk=current.pk, version=version).update(
                **values, version=F("version") + 1, updated_at=now
            )
    except IntegrityError:
        if "teryt_code" in values:
            raise _duplicate_teryt_error(proposed) from None
        raise
    if updated != 1:
        raise StaleOrganisation(Organisation.objects.get(pk=current.pk))
    fresh = Organisation.objects.get(pk=current.pk)
    log_action(
        "organisations.organisation.updated",
        actor=actor,
        organisation=fresh,
        target=fresh,
        data={"changes": changed, "version": fresh.version},
    )
    return fresh


@transaction.atomic
def set_verified(*, actor, organisation: Organisation, verified: bool) -> Organisation:
    Organisation.objects.filter(pk=organisation.pk).update(
        verified=verified, version=F("version") + 1, updated_at=timezone.now()
    )
    organisation.refresh_from_db()
    log_action(
        "organisations.organisation.verified"
        if verified
        else "organisations.organisation.unverified",
        actor=actor,
        organisation=organisation,
        target=organisation,
    )
    return organisation


REASON_MAX_LENGTH = 1000


def _clean_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give a reason.")}, code="required")
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError(
            {"reason": _("At most %(n)d characters, please.") % {"n": REASON_MAX_LENGTH}},
            code="too_long",
        )
    return reason


@transaction.atomic
def deactivate_organisation(*, actor, organisation: Organisation, reason: str) -> Organisation:
    """Deactivate an organisation: from the next request on, its memberships grant nothing
    and its API tokens do not authenticate. Nothing is deleted (its history stays)."""
    reason = _clean_reason(reason)
    now = timezone.now()
    updated = Organisation.objects.filter(pk=organisation.pk, is_active=True).update(
        is_active=False,
        deactivated_at=now,
        deactivation_reason=reason,
        version=F("version") + 1,
        updated_at=now,
    )
    if not updated:
        raise ValidationError(_("This organisation is already deactivated."), code="inactive")
    organisation.refresh_from_db()
    log_action(
        "organisations.organisation.deactivated",
        actor=actor,
        organisation=organisation,
        target=organisation,
        data={"reason": reason},
    )
    # Tokens this process remembers must stop at once, as on revocation (again after the
    # commit: a request in between may have cached the token from the old row).
    forget_cached_tokens()
    transaction.on_commit(forget_cached_tokens)
    return organisation


@transaction.atomic
def reactivate_organisation(*, actor, organisation: Organisation, reason: str) -> Organisation:
    """Make a deactivated organisation active again (its memberships and unrevoked tokens
    work again). Refused if another active organisation took its TERYT code meanwhile."""
    reason = _clean_reason(reason)
    current = Organisation.objects.get(pk=organisation.pk)
    if current.is_active:
        raise ValidationError(_("This organisation is already active."), code="active")
    if current.teryt_code:
        other = Organisation.objects.active().filter(teryt_code=current.teryt_code).first()
        if other is not None:
            raise ValidationError(
                _("%(name)s already represents this local authority (TERYT %(code)s)."),
                code="duplicate_teryt",
                params={"name": other.name, "code": current.teryt_code},
            )
    now = timezone.now()
    try:
        with transaction.atomic():
            Organisation.objects.filter(pk=current.pk, is_active=False).update(
                is_active=True,
                deactivated_at=None,
                deactivation_reason="",
                version=F("version") + 1,
                updated_at=now,
            )
    except IntegrityError:
        raise _duplicate_teryt_error(current) from None
    organisation.refresh_from_db()
    log_action(
        "organisations.organisation.reactivated",
        actor=actor,
        organisation=organisation,
        target=organisation,
        data={"reason": reason},
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
    if not organisation.is_active:
        raise ValidationError(
            _("A deactivated organisation gets no API tokens."), code="inactive_organisation"
        )
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
            .filter(token_hash=digest, organisation__is_active=True)
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
