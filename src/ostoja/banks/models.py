"""Hash banks: named lists of hashes of known material, with provenance for every entry.

Nothing here holds an image: only hashes (lower-case hex), their classification and who
added them from where. Removals are tombstones (``removed_at``), never deletes, so that
partners who synchronise a bank learn about deletions and the history stays auditable.

Freshness: every change to any bank takes the next number from the one-row
:class:`BankChangeSequence` and stamps it on the changed rows (``change_seq``). Web workers
compare the sequence with the one their in-memory index was built from (see
``index_cache.py``) and apply only the rows changed since. The sequence row is updated
first in each writing transaction, so its row lock orders writers: a worker that sees
number *n* committed also sees every change numbered below *n*.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ostoja.matching import SIGNAL_TYPES

#: Slugs that would collide with the app's own URL paths.
RESERVED_SLUGS = frozenset({"new", "public-key", "from-item"})


class SignalType(models.TextChoices):
    PDQ = "pdq", "PDQ"
    MD5 = "md5", "MD5"
    SHA1 = "sha1", "SHA-1"
    SHA256 = "sha256", "SHA-256"


assert set(SignalType.values) == set(SIGNAL_TYPES), "keep in step with ostoja.matching"


class Classification(models.TextChoices):
    # INTERPOL's "baseline": material illegal in every country (a real, prepubescent child,
    # sexual activity or focus on the genitals). Partners anywhere can act on it.
    BASELINE = "baseline", _("International baseline")
    # Illegal under Polish (national) law but not necessarily elsewhere.
    NATIONAL = "national", _("National")


class AgeBand(models.TextChoices):
    # The same codes as the hotline's assessment, so an assessed item's age band carries over.
    INFANT = "0-2", _("0–2 years")
    CHILD = "3-13", _("3–13 years")
    TEEN = "14-17", _("14–17 years")
    UNKNOWN = "unknown", _("Unknown age")


class BankChangeSequence(models.Model):
    """One row: the number of the latest change to any bank (see the module docstring).

    ``epoch`` changes when the row is created anew (an emptied or restored database): caches
    built from another epoch rebuild from scratch instead of trusting their sequence number.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.PositiveBigIntegerField(default=0)
    epoch = models.UUIDField(default=uuid.uuid4)

    class Meta:
        verbose_name = _("bank change sequence")

    def __str__(self) -> str:
        return f"bank changes at #{self.seq}"


class HashBankQuerySet(models.QuerySet):
    def visible_to(self, user) -> HashBankQuerySet:
        """Banks a user may see: all for coordinators; for hotline analysts and supervisors
        the banks of their own hotlines plus every shared bank; nothing for anyone else."""
        from .permissions import hotline_org_ids, is_coordinator

        if not getattr(user, "is_authenticated", False):
            return self.none()
        if is_coordinator(user):
            return self.all()
        own = hotline_org_ids(user)
        if not own:
            return self.none()
        return self.filter(Q(owner_id__in=own) | Q(visibility=HashBank.Visibility.SHARED))

    def visible_to_organisation(self, organisation) -> HashBankQuerySet:
        """Banks an organisation's API token may see (list, and be named in match answers):
        its own banks and every shared bank. Another organisation's private bank is not
        listed; a match against it is disclosed only as its ``match_disclosure`` allows."""
        if organisation is None:
            return self.filter(visibility=HashBank.Visibility.SHARED)
        return self.filter(Q(owner=organisation) | Q(visibility=HashBank.Visibility.SHARED))

    def enabled(self) -> HashBankQuerySet:
        return self.filter(enabled=True)


class MatchDisclosure(models.TextChoices):
    """What a match against a private bank tells an organisation that may not see the bank.

    Cumulative: ``owner`` says what ``known`` says plus the owner organisation; ``hidden``
    says nothing (the match is left out of the answer)."""

    OWNER = "owner", _("Known material, and which organisation holds it")
    KNOWN = "known", _("Known material only (neither bank nor organisation)")
    HIDDEN = "hidden", _("Nothing: the match is not reported")


class HashBank(models.Model):
    MatchDisclosure = MatchDisclosure

    class Visibility(models.TextChoices):
        PRIVATE = "private", _("Private: only the owner's hotline staff see the entries")
        SHARED = "shared", _("Shared: hotline staff of every organisation see and export it")

    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("short name (slug)"), max_length=80, unique=True)
    owner = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.PROTECT,
        related_name="hash_banks",
        verbose_name=_("owner"),
    )
    description = models.TextField(_("description"), blank=True, max_length=2000)
    visibility = models.CharField(
        _("visibility"), max_length=10, choices=Visibility.choices, default=Visibility.PRIVATE
    )
    #: What a platform that may not see this (private) bank learns when a hash matches it.
    match_disclosure = models.CharField(
        _("matches shown to other organisations"),
        max_length=10,
        choices=MatchDisclosure.choices,
        default=MatchDisclosure.OWNER,
        help_text=_(
            "For a private bank: what a platform of another organisation is told when its hash "
            "matches. Shared banks are always named."
        ),
    )
    enabled = models.BooleanField(
        _("used for matching"),
        default=True,
        help_text=_("Disabled banks are kept but no hash is matched against them."),
    )
    #: Incremented by every change of this bank (entries added or removed, settings).
    version = models.PositiveBigIntegerField(_("version"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    objects = HashBankQuerySet.as_manager()

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("hash bank")
        verbose_name_plural = _("hash banks")

    def __str__(self) -> str:
        return self.name


class BankImport(models.Model):
    """An uploaded hash list, validated and waiting for confirmation (or applied/discarded).

    The normalised rows are kept only while the import is pending; applying or discarding it
    empties ``rows``. An import that has validation errors is never stored with rows.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for confirmation")
        APPLIED = "applied", _("Applied")
        DISCARDED = "discarded", _("Discarded")
        INVALID = "invalid", _("Rejected: errors in the file")

    bank = models.ForeignKey(HashBank, on_delete=models.CASCADE, related_name="imports")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("uploaded"), default=timezone.now)
    file_name = models.CharField(_("file name"), max_length=255, blank=True)
    file_sha256 = models.CharField(max_length=64)
    file_format = models.CharField(_("format"), max_length=20)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    rows = models.JSONField(default=list, blank=True)
    summary = models.JSONField(default=dict, blank=True)
    errors = models.JSONField(default=list, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("bank import")
        verbose_name_plural = _("bank imports")

    def __str__(self) -> str:
        return f"import #{self.pk} into {self.bank_id}"


class BankEntryQuerySet(models.QuerySet):
    def active(self) -> BankEntryQuerySet:
        return self.filter(removed_at__isnull=True)

    def removed(self) -> BankEntryQuerySet:
        return self.filter(removed_at__isnull=False)


def _value_shape() -> Q:
    """Each signal type's value is canonical lower-case hex of its exact length."""
    by_length: dict[int, list[str]] = {}
    for name, st in SIGNAL_TYPES.items():
        by_length.setdefault(st.hex_length, []).append(name)
    q = Q()
    for length, names in sorted(by_length.items()):
        q |= Q(signal_type__in=sorted(names), value__regex=rf"^[0-9a-f]{{{length}}}$")
    return q


class BankEntry(models.Model):
    bank = models.ForeignKey(HashBank, on_delete=models.CASCADE, related_name="entries")
    signal_type = models.CharField(_("signal type"), max_length=10, choices=SignalType.choices)
    value = models.CharField(_("hash"), max_length=64)
    classification = models.CharField(
        _("classification"),
        max_length=10,
        choices=Classification.choices,
        default=Classification.NATIONAL,
    )
    category = models.CharField(_("category"), max_length=64, blank=True)
    age_band = models.CharField(_("age band"), max_length=10, choices=AgeBand.choices, blank=True)
    source = models.CharField(_("source organisation"), max_length=200, blank=True)
    source_date = models.DateField(_("source date"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField(_("added"), default=timezone.now, db_index=True)
    imported_from = models.ForeignKey(
        BankImport, null=True, blank=True, on_delete=models.SET_NULL, related_name="entries"
    )
    removed_at = models.DateTimeField(_("removed"), null=True, blank=True, db_index=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    removal_reason = models.CharField(_("reason for removal"), max_length=500, blank=True)
    #: Number of the latest change to this row (see BankChangeSequence).
    change_seq = models.PositiveBigIntegerField(default=0, db_index=True)

    objects = BankEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-added_at", "-pk"]
        verbose_name = _("bank entry")
        verbose_name_plural = _("bank entries")
        constraints = [
            models.UniqueConstraint(
                fields=["bank", "signal_type", "value"],
                condition=Q(removed_at__isnull=True),
                name="banks_entry_unique_active",
            ),
            models.CheckConstraint(condition=_value_shape(), name="banks_entry_value_shape"),
            models.CheckConstraint(
                condition=Q(removed_at__isnull=False) | Q(removed_by__isnull=True),
                name="banks_entry_removed_by_only_when_removed",
            ),
        ]
        indexes = [
            models.Index(fields=["signal_type", "value"], name="banks_entry_value_idx"),
            models.Index(fields=["bank", "removed_at"], name="banks_entry_bank_active_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.signal_type}:{self.value[:16]}…"

    @property
    def is_active(self) -> bool:
        return self.removed_at is None

    def classification_dict(self) -> dict:
        return {
            "classification": self.classification,
            "category": self.category,
            "age_band": self.age_band,
        }
