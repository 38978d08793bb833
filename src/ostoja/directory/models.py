"""The services directory, after Open Referral HSDS 3.0.

One model per HSDS table (organization → :class:`Provider`, service, location, address,
service_at_location, phone, contact, schedule, language, cost_option, service_area,
accessibility, taxonomy, taxonomy_term, attribute, metadata), keyed by the HSDS UUID, so import
and export map ids one to one. Text that people read is a JSON object ``{language: text}``
(see :mod:`ostoja.directory.translation`); names of organisations, addresses and people are
proper nouns and stay plain strings.

Beyond HSDS, a few columns serve the public search and the editorial workflow:

* ``Service.coverage`` says where people can use the service (the whole country by phone or
  online, one or more voivodeships, or only at its locations), ``ServiceArea.voivodeship``
  and ``Location.voivodeship`` carry TERYT codes for filtering;
* ``Service.confidentiality`` is "what is passed on": the limits of confidentiality and any
  duty to report, written per service (exported as an HSDS ``attribute`` of the anonymity
  facet, ``link_type = "what_is_passed_on"``);
* ``Service.published`` is false until a coordinator approves the first proposal;
  :class:`ServiceChange` holds proposals from providers;
* :class:`ServiceSearch` is a narrow row per service with what the public search filters and
  sorts on (and PostgreSQL's full-text vector; on SQLite an FTS5 table plays that role), kept
  by :mod:`ostoja.directory.search`.

All writes go through :mod:`ostoja.directory.services`.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ostoja.organisations.models import Voivodeship

#: A service not verified for this long is marked "possibly out of date" in search.
OUTDATED_AFTER = timedelta(days=365)
#: Providers are reminded to verify their services this often.
REMINDER_INTERVAL = timedelta(days=182)


def _i18n_field(verbose_name, **kwargs):
    return models.JSONField(verbose_name, default=dict, blank=True, **kwargs)


class Source(models.TextChoices):
    HELPLINE = "helpline", _("Real national helpline")
    DEMO = "demo", _("Fictitious demo service")
    PROVIDER = "provider", _("Entered by the provider")
    IMPORT = "import", _("Imported")


# --------------------------------------------------------------------------------------------
# Taxonomy
# --------------------------------------------------------------------------------------------


class Taxonomy(models.Model):
    """An HSDS taxonomy: ours (``code="ostoja"``, from ``data/taxonomy.json``) or imported."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    code = models.CharField(_("code"), max_length=100, blank=True, db_index=True)
    name = _i18n_field(_("name"))
    description = _i18n_field(_("description"))
    uri = models.URLField(_("URI"), max_length=500, blank=True)
    version = models.CharField(_("version"), max_length=50, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("taxonomy")
        verbose_name_plural = _("taxonomies")

    def __str__(self) -> str:
        return self.code or str(self.id)


class TaxonomyTerm(models.Model):
    """A term; in our taxonomy the facets (audience, stage, ...) are top-level terms."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    taxonomy = models.ForeignKey(
        Taxonomy, null=True, blank=True, on_delete=models.PROTECT, related_name="terms"
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    code = models.CharField(_("code"), max_length=200, blank=True, db_index=True)
    name = _i18n_field(_("name"))
    description = _i18n_field(_("description"))
    term_uri = models.URLField(_("term URI"), max_length=500, blank=True)
    #: Free-text taxonomy name of an imported term that names no taxonomy record.
    taxonomy_label = models.CharField(max_length=200, blank=True)
    position = models.PositiveIntegerField(default=0)
    #: Our taxonomy's terms get a bit for ``Service.term_bits``, assigned once and kept.
    bit = models.PositiveSmallIntegerField(null=True, blank=True, unique=True, editable=False)

    class Meta:
        ordering = ["taxonomy_id", "position", "code"]
        verbose_name = _("taxonomy term")
        verbose_name_plural = _("taxonomy terms")

    def __str__(self) -> str:
        return self.code or str(self.id)


# --------------------------------------------------------------------------------------------
# Organisations, services, locations
# --------------------------------------------------------------------------------------------


class Provider(models.Model):
    """An HSDS *organization*: who provides services.

    ``owner`` is the platform organisation (tenant) whose service editors may propose changes;
    the real national helplines and imported providers have none (coordinators keep them).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.OneToOneField(
        "organisations.Organisation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="directory_provider",
    )
    name = models.CharField(_("name"), max_length=300)
    alternate_name = models.CharField(_("alternate name"), max_length=300, blank=True)
    description = _i18n_field(_("description"))
    email = models.EmailField(_("e-mail"), blank=True)
    website = models.URLField(_("website"), max_length=500, blank=True)
    legal_status = models.CharField(_("legal status"), max_length=200, blank=True)
    tax_status = models.CharField(max_length=200, blank=True)
    tax_id = models.CharField(max_length=100, blank=True)
    year_incorporated = models.PositiveSmallIntegerField(null=True, blank=True)
    logo = models.CharField(max_length=500, blank=True)
    uri = models.URLField(max_length=500, blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children"
    )
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.PROVIDER)
    created_at = models.DateTimeField(auto_now_add=True)
    last_modified = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name = _("service provider")
        verbose_name_plural = _("service providers")

    def __str__(self) -> str:
        return self.name


class ServiceQuerySet(models.QuerySet):
    def public(self) -> ServiceQuerySet:
        """What help-seekers and the HSDS API see: approved, and not closed for good."""
        return self.filter(
            published=True,
            status__in=[Service.Status.ACTIVE, Service.Status.TEMPORARILY_CLOSED],
        )

    def editable_by(self, user) -> ServiceQuerySet:
        """Services a user may propose changes to: all for coordinators, else their own."""
        from .permissions import editor_organisation_ids, is_coordinator

        if not getattr(user, "is_authenticated", False):
            return self.none()
        if is_coordinator(user):
            return self.all()
        return self.filter(provider__owner_id__in=editor_organisation_ids(user))


class Service(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", pgettext_lazy("service status", "Active")
        INACTIVE = "inactive", _("Inactive")
        DEFUNCT = "defunct", pgettext_lazy("service status", "Closed")
        TEMPORARILY_CLOSED = "temporarily closed", _("Temporarily closed")

    class Coverage(models.TextChoices):
        NATIONAL = "national", _("The whole country (by phone or online)")
        REGIONAL = "regional", _("One or more voivodeships")
        LOCAL = "local", _("Only at its locations")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="services")
    name = _i18n_field(_("name"))
    alternate_name = _i18n_field(_("alternate name"))
    description = _i18n_field(_("description"))
    application_process = _i18n_field(_("how to make contact"))
    confidentiality = _i18n_field(_("what is passed on"))
    eligibility_description = _i18n_field(_("who can use it"))
    fees_description = _i18n_field(_("fees"))
    wait_time = _i18n_field(_("waiting time"))
    wait_time_stated_on = models.DateField(_("waiting time stated on"), null=True, blank=True)
    hours = _i18n_field(_("opening hours"))
    alert = _i18n_field(_("alert"))
    interpretation_services = _i18n_field(_("interpretation services"))
    accreditations = models.TextField(_("accreditations"), blank=True)
    licenses = models.TextField(_("licences"), blank=True)
    url = models.URLField(_("website"), max_length=500, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE
    )
    minimum_age = models.PositiveSmallIntegerField(_("minimum age"), null=True, blank=True)
    maximum_age = models.PositiveSmallIntegerField(_("maximum age"), null=True, blank=True)
    coverage = models.CharField(
        _("where it can be used"), max_length=10, choices=Coverage.choices, default=Coverage.LOCAL
    )
    assured_date = models.DateField(_("last verified"), null=True, blank=True)
    assurer_email = models.EmailField(blank=True)
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.PROVIDER)
    published = models.BooleanField(pgettext_lazy("service", "published"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_modified = models.DateTimeField(default=timezone.now, db_index=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    objects = ServiceQuerySet.as_manager()

    class Meta:
        ordering = ["-last_modified"]
        verbose_name = _("service")
        verbose_name_plural = _("services")
        indexes = [
            models.Index(fields=["published", "status", "coverage"], name="dir_service_public"),
            models.Index(fields=["assured_date"], name="dir_service_assured"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(minimum_age__isnull=True)
                | models.Q(maximum_age__isnull=True)
                | models.Q(minimum_age__lte=models.F("maximum_age")),
                name="dir_service_age_range",
            )
        ]

    def __str__(self) -> str:
        from .translation import pick

        return pick(self.name) or str(self.id)

    @property
    def is_outdated(self) -> bool:
        """Not verified for 12 months (or never): marked "possibly out of date"."""
        if self.assured_date is None:
            return True
        return self.assured_date < date.today() - OUTDATED_AFTER

    @property
    def is_real_helpline(self) -> bool:
        return self.source == Source.HELPLINE

    @property
    def is_demo(self) -> bool:
        return self.source == Source.DEMO


class ServiceSearch(models.Model):
    """What the public search filters and sorts on, one narrow row per service.

    Derived from the service and its related rows by
    :func:`ostoja.directory.search.index_services` on every write; never edited directly.
    Keeping it apart from the wide ``Service`` row (a dozen translated texts) means a search
    scans, or joins full-text matches to, small rows only, and needs no subquery per service
    (see ``search.py`` and ``bench/directory_search_bench.py``).
    """

    #: ``search.fts_rowid(service id)``: an integer key, so that SQLite's FTS5 table joins on
    #: rowids (one lookup per match) rather than on UUID text.
    id = models.BigAutoField(primary_key=True)
    service = models.OneToOneField(Service, on_delete=models.CASCADE, related_name="search_entry")
    provider_id = models.UUIDField()
    published = models.BooleanField(default=False)
    status = models.CharField(max_length=20)
    coverage = models.CharField(max_length=10)
    last_modified = models.DateTimeField()
    minimum_age = models.PositiveSmallIntegerField(null=True)
    maximum_age = models.PositiveSmallIntegerField(null=True)
    #: Bit ``TaxonomyTerm.bit`` set for each of our taxonomy's terms the service carries.
    term_bits = models.BigIntegerField(default=0)
    #: Bit i set for the i-th language of ``snapshot.SERVICE_LANGUAGES``.
    language_bits = models.IntegerField(default=0)
    #: Bit (TERYT code / 2 - 1) set for each voivodeship a regional service covers.
    region_bits = models.IntegerField(default=0)
    #: The first points (latitude, longitude) of the service's locations; beyond
    #: ``search.INLINE_POINTS`` the search falls back to a subquery.
    point_count = models.PositiveSmallIntegerField(default=0)
    p1_lat = models.FloatField(null=True)
    p1_lon = models.FloatField(null=True)
    p2_lat = models.FloatField(null=True)
    p2_lon = models.FloatField(null=True)
    p3_lat = models.FloatField(null=True)
    p3_lon = models.FloatField(null=True)
    p4_lat = models.FloatField(null=True)
    p4_lon = models.FloatField(null=True)
    #: The name in the default language, folded: the last sort key.
    sort_name = models.CharField(max_length=300, blank=True, default="")
    #: PostgreSQL's full-text vector (GIN index); SQLite keeps an FTS5 table instead.
    search_vector = SearchVectorField(null=True)

    class Meta:
        verbose_name = _("search entry")
        verbose_name_plural = _("search entries")

    def __str__(self) -> str:
        return str(self.service_id)


class Location(models.Model):
    class Type(models.TextChoices):
        PHYSICAL = "physical", _("Physical")
        POSTAL = "postal", _("Postal")
        VIRTUAL = "virtual", _("Virtual")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    provider = models.ForeignKey(
        Provider, null=True, blank=True, on_delete=models.CASCADE, related_name="locations"
    )
    location_type = models.CharField(max_length=10, choices=Type.choices, default=Type.PHYSICAL)
    url = models.URLField(max_length=500, blank=True)
    name = models.CharField(_("name"), max_length=300, blank=True)
    alternate_name = models.CharField(max_length=300, blank=True)
    description = _i18n_field(_("description"))
    transportation = _i18n_field(_("getting there"))
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    voivodeship = models.CharField(
        _("voivodeship"), max_length=2, choices=Voivodeship.choices, blank=True
    )
    #: The point / voivodeship were derived from the address (the town's centre), not entered:
    #: they follow the address when it changes.
    point_derived = models.BooleanField(default=False)
    voivodeship_derived = models.BooleanField(default=False)
    external_identifier = models.CharField(max_length=200, blank=True)
    external_identifier_type = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("location")
        verbose_name_plural = _("locations")

    def __str__(self) -> str:
        return self.name or str(self.id)

    @property
    def has_point(self) -> bool:
        return self.latitude is not None and self.longitude is not None


class Address(models.Model):
    class Type(models.TextChoices):
        PHYSICAL = "physical", _("Physical")
        POSTAL = "postal", _("Postal")
        VIRTUAL = "virtual", _("Virtual")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="addresses")
    attention = models.CharField(max_length=300, blank=True)
    address_1 = models.CharField(_("street and number"), max_length=300)
    address_2 = models.CharField(max_length=300, blank=True)
    city = models.CharField(_("town"), max_length=200)
    region = models.CharField(max_length=200, blank=True)
    state_province = models.CharField(_("voivodeship"), max_length=200, blank=True)
    postal_code = models.CharField(_("postcode"), max_length=20, blank=True)
    country = models.CharField(_("country"), max_length=2, default="PL")
    address_type = models.CharField(max_length=10, choices=Type.choices, default=Type.PHYSICAL)

    class Meta:
        ordering = ["address_type", "city"]
        verbose_name = _("address")
        verbose_name_plural = _("addresses")

    def __str__(self) -> str:
        return ", ".join(p for p in (self.address_1, self.postal_code, self.city) if p)


class ServiceAtLocation(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    service = models.ForeignKey(
        Service, on_delete=models.CASCADE, related_name="service_at_locations"
    )
    location = models.ForeignKey(
        Location, on_delete=models.CASCADE, related_name="service_at_locations"
    )
    description = _i18n_field(_("description"))
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("service at location")
        verbose_name_plural = _("services at locations")
        constraints = [
            models.UniqueConstraint(fields=["service", "location"], name="dir_sal_unique")
        ]

    def __str__(self) -> str:
        return f"{self.service_id} @ {self.location_id}"


class Contact(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    provider = models.ForeignKey(
        Provider, null=True, blank=True, on_delete=models.CASCADE, related_name="contacts"
    )
    service = models.ForeignKey(
        Service, null=True, blank=True, on_delete=models.CASCADE, related_name="contacts"
    )
    service_at_location = models.ForeignKey(
        ServiceAtLocation,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="contacts",
    )
    location = models.ForeignKey(
        Location, null=True, blank=True, on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField(max_length=300, blank=True)
    title = models.CharField(max_length=300, blank=True)
    department = models.CharField(max_length=300, blank=True)
    email = models.EmailField(blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self) -> str:
        return self.name or self.email or str(self.id)


class Phone(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    service = models.ForeignKey(
        Service, null=True, blank=True, on_delete=models.CASCADE, related_name="phones"
    )
    location = models.ForeignKey(
        Location, null=True, blank=True, on_delete=models.CASCADE, related_name="phones"
    )
    provider = models.ForeignKey(
        Provider, null=True, blank=True, on_delete=models.CASCADE, related_name="phones"
    )
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.CASCADE, related_name="phones"
    )
    service_at_location = models.ForeignKey(
        ServiceAtLocation, null=True, blank=True, on_delete=models.CASCADE, related_name="phones"
    )
    number = models.CharField(_("number"), max_length=50)
    extension = models.PositiveIntegerField(null=True, blank=True)
    type = models.CharField(max_length=20, blank=True)
    description = _i18n_field(_("description"))
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "number"]
        verbose_name = _("phone")
        verbose_name_plural = _("phones")

    def __str__(self) -> str:
        return self.number

    @property
    def tel(self) -> str:
        """Digits (and a leading +) for a ``tel:`` link."""
        return "".join(c for c in self.number if c.isdigit() or c == "+")


class Schedule(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    service = models.ForeignKey(
        Service, null=True, blank=True, on_delete=models.CASCADE, related_name="schedules"
    )
    location = models.ForeignKey(
        Location, null=True, blank=True, on_delete=models.CASCADE, related_name="schedules"
    )
    service_at_location = models.ForeignKey(
        ServiceAtLocation,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="schedules",
    )
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)
    dtstart = models.DateField(null=True, blank=True)
    timezone = models.FloatField(null=True, blank=True)
    until = models.DateField(null=True, blank=True)
    count = models.PositiveIntegerField(null=True, blank=True)
    wkst = models.CharField(max_length=2, blank=True)
    freq = models.CharField(max_length=10, blank=True)
    interval = models.PositiveIntegerField(null=True, blank=True)
    byday = models.CharField(max_length=100, blank=True)
    byweekno = models.CharField(max_length=100, blank=True)
    bymonthday = models.CharField(max_length=100, blank=True)
    byyearday = models.CharField(max_length=100, blank=True)
    opens_at = models.TimeField(null=True, blank=True)
    closes_at = models.TimeField(null=True, blank=True)
    schedule_link = models.URLField(max_length=500, blank=True)
    attending_type = models.CharField(max_length=100, blank=True)
    notes = _i18n_field(_("notes"))
    description = _i18n_field(_("description"))

    class Meta:
        ordering = ["byday", "opens_at"]
        verbose_name = _("schedule")
        verbose_name_plural = _("schedules")

    def __str__(self) -> str:
        return str(self.id)


class Language(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    service = models.ForeignKey(
        Service, null=True, blank=True, on_delete=models.CASCADE, related_name="languages"
    )
    location = models.ForeignKey(
        Location, null=True, blank=True, on_delete=models.CASCADE, related_name="languages"
    )
    phone = models.ForeignKey(
        Phone, null=True, blank=True, on_delete=models.CASCADE, related_name="languages"
    )
    name = models.CharField(max_length=100, blank=True)
    code = models.CharField(max_length=20, blank=True, db_index=True)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("language")
        verbose_name_plural = _("languages")

    def __str__(self) -> str:
        return self.code or self.name


class CostOption(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="cost_options")
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)
    option = _i18n_field(_("option"))
    currency = models.CharField(max_length=3, blank=True)
    amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    amount_description = _i18n_field(_("amount description"))

    class Meta:
        ordering = ["amount"]
        verbose_name = _("cost option")
        verbose_name_plural = _("cost options")

    def __str__(self) -> str:
        return str(self.id)


class ServiceArea(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="service_areas")
    name = models.CharField(max_length=300, blank=True)
    description = _i18n_field(_("description"))
    extent = models.TextField(blank=True)
    extent_type = models.CharField(max_length=50, blank=True)
    uri = models.CharField(max_length=500, blank=True)
    #: TERYT code when the area is one voivodeship ("" for the country or other areas).
    voivodeship = models.CharField(max_length=2, choices=Voivodeship.choices, blank=True)

    class Meta:
        ordering = ["voivodeship", "name"]
        verbose_name = _("service area")
        verbose_name_plural = _("service areas")
        indexes = [models.Index(fields=["voivodeship", "service"], name="dir_area_voiv")]

    def __str__(self) -> str:
        return self.name or self.voivodeship


class Accessibility(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="accessibility")
    description = _i18n_field(_("description"))
    details = _i18n_field(_("details"))
    url = models.URLField(max_length=500, blank=True)

    class Meta:
        verbose_name = _("accessibility")
        verbose_name_plural = _("accessibility")

    def __str__(self) -> str:
        return str(self.id)


class Attribute(models.Model):
    """HSDS attribute: a taxonomy term attached to any record (``link_entity``/``link_id``).

    Services carry their facets (audience, stage, modality, ...) this way; search filters on
    ``(link_id, taxonomy_term)``.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    link_id = models.UUIDField()
    link_entity = models.CharField(max_length=50, default="service")
    link_type = models.CharField(max_length=100, blank=True)
    taxonomy_term = models.ForeignKey(
        TaxonomyTerm, on_delete=models.PROTECT, related_name="attributes"
    )
    value = models.TextField(blank=True)

    class Meta:
        verbose_name = _("attribute")
        verbose_name_plural = _("attributes")
        indexes = [
            models.Index(fields=["link_id", "taxonomy_term"], name="dir_attr_link"),
            models.Index(fields=["taxonomy_term", "link_id"], name="dir_attr_term"),
        ]

    def __str__(self) -> str:
        return f"{self.link_entity}:{self.link_id} {self.taxonomy_term_id}"


class Metadata(models.Model):
    """HSDS metadata: the change history, one row per changed field."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    resource_id = models.UUIDField(db_index=True)
    resource_type = models.CharField(max_length=50)
    last_action_date = models.DateTimeField(default=timezone.now)
    last_action_type = models.CharField(max_length=50)
    field_name = models.CharField(max_length=100)
    previous_value = models.TextField(blank=True)
    replacement_value = models.TextField(blank=True)
    #: An organisation's name or "import" -- never a person's name or e-mail (it is published).
    updated_by = models.CharField(max_length=300)

    class Meta:
        ordering = ["-last_action_date"]
        verbose_name = _("change record")
        verbose_name_plural = _("change records")

    def __str__(self) -> str:
        return f"{self.resource_type}:{self.resource_id} {self.field_name}"


# --------------------------------------------------------------------------------------------
# Editorial workflow
# --------------------------------------------------------------------------------------------


class ServiceChangeQuerySet(models.QuerySet):
    def visible_to(self, user) -> ServiceChangeQuerySet:
        """Coordinators see every proposal; service editors those of their organisations."""
        from .permissions import editor_organisation_ids, is_coordinator

        if not getattr(user, "is_authenticated", False):
            return self.none()
        if is_coordinator(user):
            return self.all()
        return self.filter(organisation_id__in=editor_organisation_ids(user))

    def pending(self) -> ServiceChangeQuerySet:
        return self.filter(status=ServiceChange.Status.PENDING)


class ServiceChange(models.Model):
    """A proposed new service or a proposed edit; live only after a coordinator approves it.

    ``data`` is the complete proposed state in the shape of
    :func:`ostoja.directory.services.service_snapshot`; ``base`` is the live state when it was
    proposed (the review shows the difference between the live state and ``data``).
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        SUPERSEDED = "superseded", _("Replaced by a newer proposal")

    service = models.ForeignKey(
        Service, null=True, blank=True, on_delete=models.CASCADE, related_name="changes"
    )
    organisation = models.ForeignKey(
        "organisations.Organisation",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="directory_changes",
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    data = models.JSONField(default=dict)
    base = models.JSONField(default=dict, blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    proposed_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    objects = ServiceChangeQuerySet.as_manager()

    class Meta:
        ordering = ["-proposed_at"]
        verbose_name = _("proposed change")
        verbose_name_plural = _("proposed changes")
        indexes = [models.Index(fields=["status", "proposed_at"], name="dir_change_status")]

    def __str__(self) -> str:
        from .translation import pick

        return pick(self.data.get("name")) or str(self.pk)

    @property
    def is_new_service(self) -> bool:
        return self.service_id is None
