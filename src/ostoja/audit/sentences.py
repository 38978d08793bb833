"""What an audit entry means, in words: action code → a translated sentence.

The audit log stores namespaced action codes (``hotline.item.assessed``); people reading the
log should not have to decode them. :data:`SENTENCES` holds one short sentence per code,
without a subject ("Item assessed"; the actor has a column of its own), which Polish can say
without knowing the actor's gender ("Oceniono pozycję"). A module that adds actions
registers its sentences with :func:`register` (from its ``AppConfig.ready()``), so the audit
app never imports it.

An unknown code still reads as a sentence: :func:`describe` names the module the action
belongs to ("Services directory: another action") and the page shows the code itself only in
the technical details. ``tests/audit/test_sentences.py`` checks that every code the sources
log has a sentence.
"""

from __future__ import annotations

from django.apps import apps
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

__all__ = ["SENTENCES", "describe", "describe_target", "register"]

SENTENCES: dict[str, Promise | str] = {
    # Accounts
    "accounts.user.created": _("Account created"),
    "accounts.user.logged_in": _("Signed in"),
    "accounts.user.logged_out": _("Signed out"),
    "accounts.user.login_failed": _("Failed sign-in attempt"),
    "accounts.user.password_changed": _("Password changed"),
    "accounts.user.password_reset": _("Password reset"),
    "accounts.user.language_changed": _("Interface language changed"),
    "accounts.user.mfa_enabled": _("Two-step sign-in (authenticator app) switched on"),
    "accounts.user.mfa_added": _("Another two-step sign-in method added"),
    "accounts.user.mfa_removed": _("A two-step sign-in method removed"),
    "accounts.user.mfa_reset": _("Two-step sign-in reset by a coordinator"),
    # Organisations
    "organisations.organisation.created": _("Organisation registered"),
    "organisations.organisation.verified": _("Organisation verified"),
    "organisations.organisation.unverified": _("Organisation's verification withdrawn"),
    "organisations.membership.added": _("Person added to an organisation"),
    "organisations.membership.removed": _("Person removed from an organisation"),
    "organisations.api_token.issued": _("API token issued"),
    "organisations.api_token.revoked": _("API token revoked"),
    "organisations.organisation.updated": _("Organisation's details changed"),
    "organisations.organisation.deactivated": _("Organisation deactivated"),
    "organisations.organisation.reactivated": _("Organisation reactivated"),
    # People
    "people.invitation.sent": _("Invitation sent"),
    "people.invitation.resent": _("Invitation sent again with a new link"),
    "people.invitation.revoked": _("Invitation withdrawn"),
    "people.invitation.accepted": _("Invitation accepted"),
    "people.membership.role_changed": _("Member's role changed"),
    "people.membership.removed": _("Member removed from the organisation"),
    "people.policy.changed": _("Rule on the API tokens of removed members changed"),
    "people.user.deactivated": _("Account deactivated"),
    "people.user.reactivated": _("Account reactivated"),
    # Hotline
    "hotline.report.received": _("Report received"),
    "hotline.report_batch.received": _("Batch of reports received"),
    "hotline.item.claimed": _("Item taken for assessment"),
    "hotline.item.released": _("Item released back to the queue"),
    "hotline.item.assessed": _("Item assessed"),
    "hotline.item.url_revealed": _("Full address of an item shown"),
    "hotline.priority_rules.saved": _("Priority rules saved"),
    "hotline.settings.changed": _("Hotline settings changed"),
    "hotline.retention.emails_deleted": _("Reporters' e-mail addresses deleted (retention)"),
    # Hash banks
    "banks.bank.created": _("Hash bank created"),
    "banks.bank.enabled": _("Hash bank switched on"),
    "banks.bank.disabled": _("Hash bank switched off"),
    "banks.bank.exported": _("Hash bank exported"),
    "banks.bank.disclosure_changed": _("Who may see matches of a hash bank changed"),
    "banks.entry.added": _("Hash added to a bank"),
    "banks.entry.removed": _("Hash removed from a bank"),
    "banks.import.uploaded": _("Hash list uploaded for import"),
    "banks.import.applied": _("Hash list imported"),
    "banks.import.discarded": _("Uploaded hash list discarded"),
    # Services directory
    "directory.service.loaded": _("Service loaded into the directory"),
    "directory.service.approved": _("Change to a service approved and published"),
    "directory.service.verified": _("Service details confirmed as up to date"),
    "directory.change.proposed": _("Change to a service proposed"),
    "directory.change.rejected": _("Proposed change to a service rejected"),
    "directory.import.completed": _("Directory import completed"),
    "directory.reminder.sent": _("Reminder to check services sent"),
    # Outgoing e-mail and webhooks
    "outbox.message.failed": _("Message could not be delivered"),
    "outbox.message.retried": _("Message sent again"),
    "outbox.message.cancelled": _("Message cancelled"),
    "outbox.message.cancel_requested": _("Cancellation of a message requested"),
    # Notice and takedown
    "takedown.case.opened": _("Takedown case opened"),
    "takedown.case.checked": _("Checked whether the content is still online"),
    "takedown.case.escalated": _("Takedown case escalated"),
    "takedown.case.flagged": _("Takedown case needs attention"),
    "takedown.case.hosting_moved": _("Content moved to another hosting provider"),
    "takedown.case.resolved": _("Takedown case resolved"),
    "takedown.case.unsent_cancelled": _("Unsent notices cancelled"),
    "takedown.hosting.traced": _("Hosting traced"),
    "takedown.hosting.overridden": _("Hosting set by a supervisor"),
    "takedown.notice.sent": _("Notice sent to the hosting provider"),
    "takedown.notice.resent": _("Reminder sent to the hosting provider"),
    "takedown.notice.answered": _("Hosting provider answered a notice"),
    "takedown.referral.sent": _("Case referred to a partner hotline"),
    "takedown.referral.resent": _("Reminder sent to a partner hotline"),
    "takedown.referral.exported": _("Referral exported"),
    "takedown.police.notified": _("Police notified"),
    "takedown.contact_point.saved": _("Contact point saved"),
    "takedown.provider_rule.created": _("Hosting provider rule added"),
    "takedown.provider_rule.deleted": _("Hosting provider rule deleted"),
    "takedown.appeal.received": _("Appeal against the block list received"),
    "takedown.appeal.decided": _("Appeal against the block list decided"),
    "takedown.link.rejected": _("Invalid or expired answer link refused"),
    "takedown.signature.rejected": _("Answer with an invalid signature refused"),
    "takedown.retention.appeal_contacts_deleted": _(
        "Contact details of appellants deleted (retention)"
    ),
    # Audit log
    "audit.checkpoint.signed": _("Audit log checkpoint signed"),
    # Certificates
    "certificates.certificate.issued": _("Certificate issued"),
    "certificates.certificate.superseded": _("Certificate re-issued after a correction"),
    "certificates.certificate.revoked": _("Certificate revoked"),
}

#: Models whose ``str()`` is a name people chose (not a generated English label), so the log
#: can show it as the target.
NAMED_TARGETS = {
    "accounts.user",
    "organisations.organisation",
    "banks.bank",
    "directory.provider",
    "directory.service",
}


def register(code: str, sentence: Promise | str) -> None:
    """Give an action code its sentence (a lazily translated string)."""
    if "." not in code:
        raise ValueError("Audit action codes are namespaced, e.g. 'network.event.published'.")
    SENTENCES[code] = sentence


def _module_name(code: str) -> str:
    label = code.split(".", 1)[0]
    try:
        return str(apps.get_app_config(label).verbose_name)
    except LookupError:
        return ""


def describe(code: str) -> str:
    """The sentence of an action code, in the current language; never the bare code."""
    sentence = SENTENCES.get(code)
    if sentence is not None:
        return str(sentence)
    module = _module_name(code)
    if module:
        return gettext("%(module)s: another action (see the technical details)") % {
            "module": capfirst(module)
        }
    return gettext("Another action (see the technical details)")


def describe_target(target_type: str, target_id: str, target_label: str) -> str:
    """What an entry was about, in the current language: the kind of record (translated) and
    its number, or its name for records people name (an organisation, a person, a bank)."""
    if not target_type:
        return ""
    try:
        model = apps.get_model(target_type)
    except (LookupError, ValueError):
        model = None
    if model is None:
        return gettext("Record (see the technical details)")
    kind = capfirst(str(model._meta.verbose_name))
    if target_type in NAMED_TARGETS and target_label:
        return f"{kind}: {target_label}"
    if target_id.isdigit():
        return f"{kind} #{target_id}"
    if target_id:
        return f"{kind} {target_id[:8]}"
    return kind
