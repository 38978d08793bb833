"""The demo data of the library and of positions/campaigns (``manage.py seed_demo``): what a
new user clicking around finds, built through the service functions; seeding twice adds
nothing."""

from __future__ import annotations

import io
import shutil
import tempfile

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client, TestCase, override_settings

from ostoja.library import permissions, search
from ostoja.library import services as library
from ostoja.library.models import (
    JournalIssue,
    JournalSubscription,
    Material,
    MaterialVersion,
    PrintOrder,
)
from ostoja.network.membership import partner_organisations
from ostoja.positions import calendar, services
from ostoja.positions.models import Campaign, Dispatch, Document, LocalEvent, Signature


def counts():
    return {
        model.__name__: model.objects.count()
        for model in (
            Material,
            MaterialVersion,
            PrintOrder,
            JournalIssue,
            Document,
            Signature,
            Dispatch,
            Campaign,
            LocalEvent,
        )
    }


FILES = tempfile.mkdtemp(prefix="ostoja-demo-library-")


@override_settings(OSTOJA_LIBRARY_DIR=FILES)
class DemoData(TestCase):
    """Seeded once for the class (the whole demo takes tens of seconds); the after-commit
    work -- text extraction, journal subscriptions -- runs as it does after the real commit."""

    @classmethod
    def setUpTestData(cls):
        with cls.captureOnCommitCallbacks(execute=True):
            call_command("seed_demo", "--quiet-logins", stdout=io.StringIO())
        cls.seeded = counts()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        shutil.rmtree(FILES, ignore_errors=True)

    def test_seeding_twice_adds_nothing(self):
        call_command("seed_demo", "--quiet-logins", stdout=io.StringIO())
        assert counts() == self.seeded

    def test_the_library_has_public_and_members_only_materials_with_topics(self):
        public = Material.objects.filter(access="public")
        members = Material.objects.filter(access="members")
        assert public.count() >= 3 and members.count() >= 2
        assert Material.objects.exclude(topic="").count() == Material.objects.count()
        assert len(set(Material.objects.values_list("topic", flat=True))) >= 5
        assert {"pl", "en"} <= set(Material.objects.values_list("language", flat=True))
        # Two materials are files; their text was extracted (tests run tasks at once) and found.
        assert MaterialVersion.objects.filter(extraction="done").count() == 2
        guide = search.search(search.Filters(text="procedura interwencji"), members=False)
        assert [m.title for m in guide][:1] == [
            "Standardy ochrony dzieci w szkole. Poradnik dla dyrekcji i rad pedagogicznych (demo)"
        ]
        report = search.search(search.Filters(text="grooming"), members=True)
        assert report.count() == 1 and report.get().access == "members"
        assert not search.search(search.Filters(text="grooming"), members=False).exists()

    def test_a_visitor_sees_public_materials_and_a_member_also_the_members_only(self):
        member = get_user_model().objects.get(email="czlonek@demo.ostoja.invalid")
        assert permissions.is_member(member)
        hidden = Material.objects.filter(access="members").first()
        visitor_page = Client().get("/library/").content.decode()
        assert hidden.title not in visitor_page
        client = Client()
        client.force_login(member)
        assert hidden.title in client.get("/library/").content.decode()
        assert client.get(f"/library/m/{hidden.pk}/").status_code == 200

    def test_orders_and_the_journal_issue(self):
        states = dict(PrintOrder.objects.values_list("state", "copies"))
        assert states == {"reserved": 40, "waiting": 200}
        issue = JournalIssue.objects.get()
        assert len(issue.articles()) == 5
        assert issue.material.access == "members"
        # Every partner was subscribed from its admission (after the commit); the list holds
        # the current ones only (the demo network has one suspended member); the demo
        # foundation's manager switched to three printed copies.
        listed = library.distribution(issue)
        current = set(partner_organisations().values_list("pk", flat=True))
        assert {s.organisation_id for s in listed} == current and len(current) >= 20
        assert JournalSubscription.objects.count() == len(current) + 1
        printed = [s for s in listed if s.format == "print"]
        assert [(s.organisation.slug, s.copies) for s in printed] == [("demo-fundacja-polnoc", 3)]

    def test_a_published_position_with_signatories_and_a_draft_in_its_comment_round(self):
        published = Document.objects.get(stage="published")
        names = [s.organisation.name for s in services.signatories(published)]
        assert len(names) == 3 and "Fundacja Bezpieczna Północ (demo)" in names
        assert published.versions.count() == 2 and published.final_version.number == 2
        assert Dispatch.objects.filter(document=published).count() == 2
        assert Dispatch.objects.filter(replies__isnull=False).count() == 1
        assert Client().get(f"/positions/p/{published.slug}/").status_code == 200

        draft = Document.objects.get(stage="comments")
        assert services.comments_open(draft)
        current, outdated = services.comments_by_paragraph(draft)
        assert len(outdated) == 1 and sum(len(c) for c in current.values()) == 1
        assert Document.objects.filter(kind="standard", stage="adopted").exists()

    def test_a_campaign_with_a_kit_and_local_events_on_the_public_calendar(self):
        campaign = Campaign.objects.get()
        assert campaign.kit.count() == 2 and not campaign.kit.filter(access="members").exists()
        assert campaign.participants.count() == 3
        upcoming = calendar.upcoming_events()
        assert len(upcoming) == 4
        assert len({e.organisation_id for e in upcoming if e.campaign_id == campaign.pk}) == 3
        assert len({e.voivodeship for e in upcoming}) == 3
        page = Client().get("/campaigns/calendar/").content.decode()
        assert campaign.title in page
        feed = Client().get("/campaigns/calendar.ics").content.decode()
        assert feed.count("BEGIN:VEVENT") >= 4
