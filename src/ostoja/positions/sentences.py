"""What the audit entries of positions, standards and campaigns mean."""

from django.utils.translation import gettext_lazy as _

SENTENCES = {
    "positions.document.created": _("Joint text started"),
    "positions.version.added": _("New version of a joint text"),
    "positions.comments.opened": _("Comment round opened"),
    "positions.comment.added": _("Comment on a joint text added"),
    "positions.signing.called": _("Call for co-signing opened"),
    "positions.signature.added": _("Position co-signed for an organisation"),
    "positions.signature.withdrawn": _("Signature of a position withdrawn"),
    "positions.document.published": _("Joint text published or adopted"),
    "positions.addressee.added": _("Addressee added to the address book"),
    "positions.dispatch.sent": _("Position sent to an addressee"),
    "positions.reply.recorded": _("Addressee's answer recorded"),
    "positions.adoption.declared": _("Adoption of a standard declared"),
    "positions.campaign.created": _("Joint campaign started"),
    "positions.campaign.joined": _("Organisation joined a campaign"),
    "positions.event.added": _("Local event added to the calendar"),
    "positions.date.suggested": _("Recurring date suggested to a member organisation"),
}
