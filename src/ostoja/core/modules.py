"""The platform's modules as shown on the home page and the dashboard.

Apps register what they offer here; a module not built yet says so honestly.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from ostoja.organisations.roles import Role


def _app_text(label: str, attribute: str):
    """A lazily translated text an app declares on its AppConfig (e.g. its card's summary)."""
    from django.apps import apps
    from django.utils.functional import lazy

    return lazy(lambda: str(getattr(apps.get_app_config(label), attribute)), str)()


@dataclass(frozen=True)
class Module:
    key: str
    title: str
    summary: str
    public_url_name: str | None = None  # a page anyone can open
    staff_url_name: str | None = None  # a page for the roles below
    roles: frozenset = field(default_factory=frozenset)

    def _url(self, name):
        if not name:
            return None
        try:
            return reverse(name)
        except NoReverseMatch:
            return None

    @property
    def public_url(self):
        return self._url(self.public_url_name)

    @property
    def staff_url(self):
        return self._url(self.staff_url_name)

    @property
    def available(self) -> bool:
        return bool(self.public_url or self.staff_url)


MODULES: list[Module] = [
    Module(
        "hotline",
        _("Hotline"),
        _(
            "Report illegal content showing the sexual abuse of children. Analysts triage "
            "reports so that children abused now come first, and get the material removed."
        ),
        public_url_name="hotline:report",
        staff_url_name="hotline:queue",
        roles=frozenset({Role.HOTLINE_ANALYST, Role.HOTLINE_SUPERVISOR, Role.COORDINATOR}),
    ),
    Module(
        "takedown",
        _("Notice and takedown"),
        _(
            "Hosting traces, notices to providers and the police, referrals to partner "
            "hotlines, time-to-removal statistics and the URL block list."
        ),
        staff_url_name="takedown:cases",
        roles=frozenset({Role.HOTLINE_ANALYST, Role.HOTLINE_SUPERVISOR}),
    ),
    Module(
        "banks",
        _("Hash lists and matching"),
        _(
            "Lists of hashes of known abuse material, shared between hotlines and platforms, "
            "and fast exact matching against them. Images are never stored."
        ),
        staff_url_name="banks:list",
        roles=frozenset({Role.HOTLINE_ANALYST, Role.HOTLINE_SUPERVISOR, Role.COORDINATOR}),
    ),
    Module(
        "directory",
        _("Where to find help"),
        _(
            "A safe, anonymous directory of help for people worried about their thoughts, "
            "for victims, parents and professionals."
        ),
        public_url_name="directory:search",
        staff_url_name="directory:manage",
        roles=frozenset({Role.SERVICE_EDITOR, Role.COORDINATOR}),
    ),
    Module(
        "safeguarding",
        _("Safeguarding"),
        _(
            "A vetting register for everyone who works with children (the checks of art. 21 "
            "of the Act of 13 May 2016): what is missing, re-checks, export for an inspection."
        ),
        staff_url_name="safeguarding:index",
        roles=frozenset({Role.SAFEGUARDING_OFFICER, Role.ORGANISATION_MANAGER}),
    ),
    Module(
        "network",
        _("Partnership network"),
        _(
            "Member organisations of the national partnership: forum, newsletter, events, "
            "consultations, training and joint positions."
        ),
        public_url_name="network:partnership",
        staff_url_name="network:index",
        roles=frozenset({Role.NETWORK_MEMBER, Role.COORDINATOR}),
    ),
    Module(
        "forum",
        _("Partnership forum"),
        _(
            "The closed forum of the partnership's member organisations: categories, "
            "restricted groups, attachments, notifications and search."
        ),
        staff_url_name="forum:index",
        roles=frozenset({Role.NETWORK_MEMBER, Role.ORGANISATION_MANAGER, Role.COORDINATOR}),
    ),
    Module(
        "pact",
        _("Pact of Towns and Regions"),
        _(
            "Local authorities sign the Council of Europe Pact, assess themselves, plan and "
            "report their measures."
        ),
        public_url_name="pact:overview",
        staff_url_name="pact:workspace",
        roles=frozenset({Role.AUTHORITY_OFFICER, Role.COORDINATOR}),
    ),
    Module(
        "newsletter",
        _("Newsletter"),
        _(
            "The partnership's monthly newsletter: a public list and a members' list, double "
            "opt-in, one-click unsubscribe, and an archive of past issues."
        ),
        public_url_name="newsletter:index",
        staff_url_name="newsletter:manage",
        roles=frozenset({Role.COORDINATOR}),
    ),
    Module(
        "events",
        _("Events and the national conference"),
        _(
            "Meetings, webinars and the national conference: programme, registration with a "
            "waiting list, QR tickets, check-in and certificates of attendance."
        ),
        public_url_name="events:list",
        staff_url_name="events:manage_list",
        roles=frozenset({Role.COORDINATOR, Role.ORGANISATION_MANAGER, Role.NETWORK_MEMBER}),
    ),
    Module(
        "learning",
        # The app's own strings (translated in its catalogue), looked up when shown.
        _app_text("learning", "verbose_name"),
        _app_text("learning", "summary"),
        staff_url_name="learning:index",
        roles=frozenset({Role.NETWORK_MEMBER, Role.ORGANISATION_MANAGER, Role.COORDINATOR}),
    ),
    Module(
        "library",
        _("Materials library and the journal"),
        _(
            "Publications, guides and tools of the partnership, searchable in full text; "
            "printed copies for member organisations; the quarterly for every partner."
        ),
        public_url_name="library:index",
        staff_url_name="library:index",
        roles=frozenset({Role.NETWORK_MEMBER, Role.ORGANISATION_MANAGER, Role.COORDINATOR}),
    ),
    Module(
        "positions",
        _("Joint positions, standards and campaigns"),
        _(
            "Positions drafted together and co-signed by member organisations, standards of "
            "help, and the public calendar of joint campaigns and local events."
        ),
        public_url_name="positions:events",
        staff_url_name="positions:index",
        roles=frozenset({Role.NETWORK_MEMBER, Role.ORGANISATION_MANAGER, Role.COORDINATOR}),
    ),
]
