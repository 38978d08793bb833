"""The partnership's materials library, printed copies, and the quarterly journal.

* :class:`Material` -- a publication, guide, tool, test, data set or recording, as files
  (:class:`MaterialVersion`, each with its extracted text) or a link; public or for members.
* :class:`PrintStock` / :class:`PrintOrder` -- printed copies the coordinator keeps, and the
  member organisations' orders for them.
* :class:`JournalSubscription` / :class:`JournalIssue` -- the free subscription of the
  quarterly "Dziecko krzywdzone" for every partner, and each issue's table of contents.

Search: SQLite keeps an FTS5 table ``library_material_fts`` (rowid = material id), PostgreSQL
``Material.search_vector`` with a GIN index (see :mod:`ostoja.library.search`).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Kind(models.TextChoices):
    PUBLICATION = "publication", _("publication")
    GUIDE = "guide", _("guide")
    TOOL = "tool", _("tool")
    TEST = "test", _("test or questionnaire")
    DATASET = "dataset", _("data set")
    RECORDING = "recording", _("recording")
    JOURNAL = "journal", _("journal issue")


class Access(models.TextChoices):
    PUBLIC = "public", _("public")
    MEMBERS = "members", _("partnership members only")


class Audience(models.TextChoices):
    PROFESSIONALS = "professionals", _("professionals")
    PARENTS = "parents", _("parents and carers")
    CHILDREN = "children", _("children and young people")
    TEACHERS = "teachers", _("teachers and schools")
    POLICY = "policy", _("decision makers")
    EVERYONE = "everyone", _("everyone")


class Language(models.TextChoices):
    PL = "pl", _("Polish")
    EN = "en", _("English")
    OTHER = "other", _("other")


class Material(models.Model):
    title = models.CharField(_("title"), max_length=300)
    authors = models.CharField(_("authors"), max_length=500, blank=True)
    publisher = models.ForeignKey(
        "organisations.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="library_materials",
        verbose_name=_("publishing organisation"),
    )
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    language = models.CharField(
        _("language"), max_length=8, choices=Language.choices, default=Language.PL
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    audience = models.CharField(_("audience"), max_length=16, choices=Audience.choices)
    topic = models.CharField(_("topic"), max_length=120, blank=True)
    licence = models.CharField(_("licence"), max_length=120, blank=True)
    access = models.CharField(_("access"), max_length=8, choices=Access.choices)
    description = models.TextField(_("description (Markdown)"), blank=True)
    link = models.URLField(_("link (instead of a file)"), blank=True, max_length=500)
    #: Counted per download, never per person: no one's reading is recorded.
    download_count = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    #: PostgreSQL only (GIN index); SQLite keeps the FTS5 table instead.
    search_vector = SearchVectorField(null=True, editable=False)
    #: The metadata alone (PostgreSQL): relevance is ranked on it, not on whole books.
    meta_vector = SearchVectorField(null=True, editable=False)

    class Meta:
        ordering = ["-year", "title", "pk"]
        indexes = [models.Index(fields=["access", "kind"])]

    def __str__(self) -> str:
        return self.title

    @property
    def current_version(self):
        versions = getattr(self, "_prefetched_objects_cache", {}).get("versions")
        if versions is not None:
            return next((v for v in versions if v.is_current), None)
        return self.versions.filter(is_current=True).first()


class Extraction(models.TextChoices):
    PENDING = "pending", _("waiting for text extraction")
    DONE = "done", _("text extracted")
    NONE = "none", _("no text to extract")
    FAILED = "failed", _("text could not be extracted")


class MaterialVersion(models.Model):
    """One uploaded file of a material; the newest is the current one."""

    material = models.ForeignKey(Material, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    is_current = models.BooleanField(default=True)
    #: Random name under the library's storage (outside the web root).
    stored_name = models.CharField(max_length=80, unique=True)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=120)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    note = models.CharField(_("what changed"), max_length=300, blank=True)
    extraction = models.CharField(
        max_length=8, choices=Extraction.choices, default=Extraction.PENDING
    )
    #: Why extraction failed, as a code (see ``extraction.REASONS``) -- shown translated.
    extraction_problem = models.CharField(max_length=32, blank=True)
    page_count = models.PositiveIntegerField(null=True, blank=True)
    text = models.TextField(blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["material", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["material", "number"], name="library_version_number"),
            models.UniqueConstraint(
                fields=["material"], condition=Q(is_current=True), name="library_one_current"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.material} v{self.number}"

    @property
    def problem_text(self) -> str:
        from .extraction import REASONS

        return str(REASONS.get(self.extraction_problem, "")) if self.extraction_problem else ""


class PrintStock(models.Model):
    """Printed copies of a material the coordinator holds."""

    material = models.OneToOneField(Material, on_delete=models.CASCADE, related_name="stock")
    copies = models.PositiveIntegerField(_("copies in stock"), default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.material}: {self.copies}"


class PrintOrder(models.Model):
    class State(models.TextChoices):
        WAITING = "waiting", _("waiting for stock")
        RESERVED = "reserved", _("copies reserved")
        SENT = "sent", _("sent")
        CANCELLED = "cancelled", _("cancelled")

    material = models.ForeignKey(Material, on_delete=models.PROTECT, related_name="orders")
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="print_orders"
    )
    copies = models.PositiveIntegerField(_("copies"))
    delivery_address = models.TextField(_("delivery address"))
    state = models.CharField(max_length=10, choices=State.choices)
    ordered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    ordered_at = models.DateTimeField(auto_now_add=True)
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-ordered_at", "-pk"]
        indexes = [models.Index(fields=["state", "ordered_at"])]

    def __str__(self) -> str:
        return f"{self.material} × {self.copies} → {self.organisation}"


class JournalFormat(models.TextChoices):
    PRINT = "print", _("printed")
    ELECTRONIC = "electronic", _("electronic")


class JournalSubscription(models.Model):
    """A partner's free subscription of the quarterly (one per organisation)."""

    organisation = models.OneToOneField(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="journal_subscription"
    )
    format = models.CharField(
        pgettext_lazy("journal", "format"),
        max_length=10,
        choices=JournalFormat.choices,
        default=JournalFormat.ELECTRONIC,
    )
    copies = models.PositiveSmallIntegerField(_("printed copies"), default=1)
    delivery_address = models.TextField(_("delivery address"), blank=True)
    email = models.EmailField(_("e-mail for the electronic edition"), blank=True)
    since = models.DateField()
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.organisation}: {self.get_format_display()}"


class JournalIssue(models.Model):
    year = models.PositiveSmallIntegerField(_("year"))
    number = models.PositiveSmallIntegerField(_("number"))
    title = models.CharField(_("title of the issue"), max_length=300, blank=True)
    #: One article per line: "Author — Title".
    contents = models.TextField(_("table of contents"), blank=True)
    material = models.OneToOneField(
        Material, null=True, blank=True, on_delete=models.SET_NULL, related_name="journal_issue"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-year", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["year", "number"], name="library_issue_number")
        ]

    def __str__(self) -> str:
        return f"{self.number}/{self.year}"

    def articles(self) -> list[str]:
        return [line.strip() for line in self.contents.splitlines() if line.strip()]
