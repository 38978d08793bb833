from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

#: What each audit action of the network means (registered with the audit log's sentences).
AUDIT_SENTENCES = {
    "network.application.submitted": _("Application to the partnership submitted"),
    "network.application.confirmed": _("Applicant's e-mail address confirmed"),
    "network.application.expired": _("Unconfirmed application to the partnership lapsed"),
    "network.application.info_requested": _("More information requested from an applicant"),
    "network.application.answered": _("Applicant answered on the application"),
    "network.application.admitted": _("Organisation admitted to the partnership"),
    "network.application.refused": _("Application to the partnership refused"),
    "network.partner.suspended": _("Partner's membership suspended"),
    "network.partner.left": _("Partner left the partnership"),
    "network.partner.readmitted": _("Partner admitted again"),
    "network.charter.published": _("New version of the charter published"),
    "network.charter.accepted": _("Charter version accepted on behalf of an organisation"),
    "network.charter.reminded": _("Reminder to accept the charter sent"),
    "network.coverage.target_set": _("Coverage target of the partnership changed"),
}


class NetworkConfig(AppConfig):
    name = "ostoja.network"
    label = "network"
    verbose_name = _("Partnership network")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from ostoja.audit.sentences import register

        for code, sentence in AUDIT_SENTENCES.items():
            register(code, sentence)
