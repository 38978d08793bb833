"""API token scopes. A token may only call endpoints whose scope it carries."""

from django.utils.translation import gettext_lazy as _

SCOPES: dict[str, str] = {
    "reports": _("Send reports to the hotline and read their status"),
    "match": _("Match hashes and images against the hash banks"),
    "urllist": _("Download the URL block list"),
    "ntd": _("Answer notice-and-takedown requests"),
    "hsds": _("Import services into the directory"),
    "checkin": _("Check participants in to events (scanner apps)"),
}
DEFAULT_SCOPES = ("reports", "match", "urllist")


def validate_scopes(scopes) -> list[str]:
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown:
        raise ValueError(
            f"Unknown scope(s): {', '.join(unknown)}. Known: {', '.join(sorted(SCOPES))}."
        )
    return sorted(set(scopes))
