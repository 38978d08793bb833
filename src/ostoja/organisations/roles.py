"""Roles a user holds in an organisation, and what each role implies platform-wide."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    COORDINATOR = "coordinator", _("Coordinator (platform administrator)")
    HOTLINE_ANALYST = "hotline_analyst", _("Hotline analyst")
    HOTLINE_SUPERVISOR = "hotline_supervisor", _("Hotline supervisor")
    NETWORK_MEMBER = "network_member", _("Network member")
    AUTHORITY_OFFICER = "authority_officer", _("Local authority officer")
    SERVICE_EDITOR = "service_editor", _("Service editor")
    ORGANISATION_MANAGER = "organisation_manager", _("Organisation manager")
    SAFEGUARDING_OFFICER = "safeguarding_officer", _("Safeguarding officer")


#: Roles that reach hotline data or administration: MFA is mandatory and sessions time out.
PRIVILEGED_ROLES = frozenset(
    {
        Role.COORDINATOR,
        Role.HOTLINE_ANALYST,
        Role.HOTLINE_SUPERVISOR,
        # Criminal-record checks and intervention records (Act of 13 May 2016, art. 21-22c).
        Role.SAFEGUARDING_OFFICER,
    }
)
HOTLINE_ROLES = frozenset({Role.HOTLINE_ANALYST, Role.HOTLINE_SUPERVISOR})
