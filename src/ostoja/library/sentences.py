"""What the library's audit entries mean (registered with ``ostoja.audit.sentences``)."""

from django.utils.translation import gettext_lazy as _

SENTENCES = {
    "library.material.added": _("Material added to the library"),
    "library.material.updated": _("Library material updated"),
    "library.version.added": _("New version of a material uploaded"),
    "library.version.text_read": _("Text of a material read for search"),
    "library.order.placed": _("Printed copies ordered"),
    "library.order.reserved": _("Copies reserved for a waiting order"),
    "library.order.sent": _("Printed copies sent"),
    "library.order.cancelled": _("Order of printed copies cancelled"),
    "library.stock.set": _("Stock of printed copies counted"),
    "library.subscription.started": _("Journal subscription started"),
    "library.subscription.changed": _("Journal subscription changed"),
    "library.issue.added": _("Journal issue listed"),
}
