"""Load clearly fictitious demo data. Idempotent: running it twice changes nothing."""

from __future__ import annotations

import importlib

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from ostoja.accounts.demo import DEMO_TOTP_SECRETS
from ostoja.accounts.services import create_user
from ostoja.organisations.models import Organisation
from ostoja.organisations.roles import Role
from ostoja.organisations.services import add_membership, create_organisation, set_verified

DEMO_PASSWORD = "ostoja-demo-2026"  # noqa: S105 - published demo password, demo accounts only

# (slug, name, kind, voivodeship, country, e-mail)
DEMO_ORGANISATIONS = [
    ("demo-koalicja", "Koalicja Ostoja (demo)", "ngo", "14", "PL", "kontakt@koalicja.demo.invalid"),
    (
        "demo-dyzurny-punkt",
        "Dyżurny Punkt Kontaktowy (demo)",
        "hotline",
        "14",
        "PL",
        "zespol@punkt.demo.invalid",
    ),
    (
        "demo-hotline-de",
        "Beispiel-Meldestelle (demo)",
        "hotline",
        "",
        "DE",
        "team@meldestelle.demo.invalid",
    ),
    (
        "demo-policja",
        "Komenda Przykładowa Policji (demo)",
        "police",
        "22",
        "PL",
        "dyzur@policja.demo.invalid",
    ),
    (
        "demo-hosting",
        "Przykładowy Hosting sp. z o.o. (demo)",
        "hosting_provider",
        "30",
        "PL",
        "abuse@hosting.demo.invalid",
    ),
    (
        "demo-platforma",
        "Platforma Przykładowa (demo)",
        "online_platform",
        "12",
        "PL",
        "trust@platforma.demo.invalid",
    ),
    (
        "demo-gmina-lipowo",
        "Gmina Lipowo (demo)",
        "local_authority",
        "06",
        "PL",
        "urzad@lipowo.demo.invalid",
    ),
    (
        "demo-poradnia",
        "Poradnia Bezpieczna Przystań (demo)",
        "service_provider",
        "02",
        "PL",
        "rejestracja@przystan.demo.invalid",
    ),
    (
        "demo-urzad",
        "Urząd Przykładowy ds. Dzieci (demo)",
        "public_body",
        "14",
        "PL",
        "sekretariat@urzad.demo.invalid",
    ),
    (
        "demo-fundacja-polnoc",
        "Fundacja Bezpieczna Północ (demo)",
        "ngo",
        "22",
        "PL",
        "biuro@polnoc.demo.invalid",
    ),
]

# (e-mail, full name, role, organisation slug)
DEMO_USERS = [
    ("koordynator@demo.ostoja.invalid", "Katarzyna Koordynator", Role.COORDINATOR, "demo-koalicja"),
    ("analityk@demo.ostoja.invalid", "Adam Analityk", Role.HOTLINE_ANALYST, "demo-dyzurny-punkt"),
    (
        "superwizor@demo.ostoja.invalid",
        "Sylwia Superwizor",
        Role.HOTLINE_SUPERVISOR,
        "demo-dyzurny-punkt",
    ),
    ("czlonek@demo.ostoja.invalid", "Czesław Członek", Role.NETWORK_MEMBER, "demo-fundacja-polnoc"),
    (
        "urzednik@demo.ostoja.invalid",
        "Urszula Urzędniczka",
        Role.AUTHORITY_OFFICER,
        "demo-gmina-lipowo",
    ),
    ("redaktor@demo.ostoja.invalid", "Robert Redaktor", Role.SERVICE_EDITOR, "demo-poradnia"),
]

# Apps that ship demo data expose ``seed_demo(stdout)`` in ``<app>.demo``.
DEMO_APPS = [
    "ostoja.organisations",
    "ostoja.hotline",
    "ostoja.takedown",
    "ostoja.banks",
    "ostoja.directory",
    "ostoja.network",
    "ostoja.newsletter",
    "ostoja.pact",
    "ostoja.safeguarding",
    "ostoja.forum",
    "ostoja.events",
    "ostoja.learning",
    "ostoja.library",  # after the network: partner organisations order and subscribe
    "ostoja.positions",  # after the library: a campaign's kit is made of its materials
]


class Command(BaseCommand):
    help = "Load fictitious demo organisations and one user per role (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--quiet-logins", action="store_true", help="don't print the logins")
        parser.add_argument(
            "--logins-only",
            action="store_true",
            help="only print the logins (`make run` prints them last, just before the server)",
        )

    def handle(self, *args, quiet_logins=False, logins_only=False, **options):
        if not logins_only:
            self.seed()
        if logins_only or not quiet_logins:
            self.print_logins()

    @transaction.atomic
    def seed(self):
        User = get_user_model()
        orgs = {}
        for slug, name, kind, voiv, country, email in DEMO_ORGANISATIONS:
            org = Organisation.objects.filter(slug=slug).first()
            if org is None:
                org = create_organisation(
                    actor=None,
                    name=name,
                    kind=kind,
                    slug=slug,
                    voivodeship=voiv,
                    country=country,
                    contact_email=email,
                    language="pl" if country == "PL" else "en",
                )
                set_verified(actor=None, organisation=org, verified=True)
            orgs[slug] = org
        for email, full_name, role, slug in DEMO_USERS:
            user = User.objects.filter(email=email).first()
            if user is None:
                user = create_user(
                    actor=None,
                    email=email,
                    password=DEMO_PASSWORD,
                    full_name=full_name,
                    email_verified=True,
                )
            add_membership(actor=None, user=user, organisation=orgs[slug], role=role)
            secret = DEMO_TOTP_SECRETS.get(email)
            if secret and not Authenticator.objects.filter(user=user, type="totp").exists():
                TOTP.activate(user, secret)
        for app in DEMO_APPS:
            try:
                module = importlib.import_module(f"{app}.demo")
            except ModuleNotFoundError as exc:
                if exc.name not in (app, f"{app}.demo"):
                    raise
                continue
            module.seed_demo(self.stdout)

    def print_logins(self):
        site = settings.SITE_URL
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Demo logins (password for all: {DEMO_PASSWORD})"))
        for email, _name, role, _slug in DEMO_USERS:
            extra = ""
            if email in DEMO_TOTP_SECRETS:
                extra = f"  [TOTP: run `make totp EMAIL={email}` for the current code]"
            elif role == Role.HOTLINE_ANALYST:
                extra = "  [sets up two-factor authentication at first sign-in]"
            self.stdout.write(f"  {role.label:<40} {email}{extra}")
        for app in DEMO_APPS:  # logins an app's own demo adds (e.g. the organisation manager)
            try:
                module = importlib.import_module(f"{app}.demo")
            except ModuleNotFoundError:
                continue
            for role, email in getattr(module, "DEMO_LOGINS", []):
                self.stdout.write(f"  {role.label:<40} {email}")
        self.stdout.write(f"Sign in at {site}/accounts/login/  (English: {site}/en/)")
        if settings.DEBUG and settings.EMAIL_BACKEND.endswith("filebased.EmailBackend"):
            self.stdout.write(
                f"E-mail is not sent: it goes to {settings.EMAIL_FILE_PATH}/ and coordinators "
                f"read it at {site}/dev/mail/"
            )
