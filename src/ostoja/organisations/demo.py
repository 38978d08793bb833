"""Demo data of the organisations app: local authorities picked from the TERYT register and an
organisation manager. Idempotent: running it twice changes nothing.

The authorities are real units of the register (their codes are real); the organisations that
represent them here are demo ones, marked "(demo)", with .invalid e-mail addresses.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model

from ostoja.organisations.models import Organisation
from ostoja.organisations.roles import Role

# (slug, TERYT code, contact e-mail)
DEMO_AUTHORITIES = [
    ("demo-miasto-lublin", "0663", "kancelaria@lublin.demo.invalid"),
    ("demo-gmina-boleslawiec", "0201022", "sekretariat@boleslawiec.demo.invalid"),
]
# (e-mail, full name, role, organisation slug): printed with the other demo logins.
DEMO_MANAGER = (
    "menedzer@demo.ostoja.invalid",
    "Magdalena Menedżer",
    Role.ORGANISATION_MANAGER,
    "demo-fundacja-polnoc",
)
DEMO_LOGINS = [(DEMO_MANAGER[2], DEMO_MANAGER[0])]


def seed_demo(stdout) -> None:
    from ostoja.accounts.services import create_user
    from ostoja.core.management.commands.seed_demo import DEMO_PASSWORD

    from . import services, teryt

    for slug, code, email in DEMO_AUTHORITIES:
        if Organisation.objects.filter(slug=slug).exists():
            continue
        unit = teryt.get(code)
        org = services.create_organisation(
            actor=None,
            name=f"{teryt.authority_name(unit)} (demo)",
            kind=Organisation.Kind.LOCAL_AUTHORITY,
            slug=slug,
            teryt_code=code,
            contact_email=email,
            language="pl",
        )
        services.set_verified(actor=None, organisation=org, verified=True)

    email, full_name, role, slug = DEMO_MANAGER
    organisation = Organisation.objects.filter(slug=slug).first()
    if organisation is None:  # the core demo did not create the NGO: nothing to manage
        return
    user = get_user_model().objects.filter(email=email).first()
    if user is None:
        user = create_user(
            actor=None,
            email=email,
            password=DEMO_PASSWORD,
            full_name=full_name,
            email_verified=True,
        )
    services.add_membership(actor=None, user=user, organisation=organisation, role=role)
    stdout.write(f"Organisations: {len(DEMO_AUTHORITIES)} local authorities, 1 manager.")
