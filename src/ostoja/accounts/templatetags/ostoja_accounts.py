"""Template helpers of the account pages (allauth overrides)."""

from django import template
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from ostoja.accounts.middleware import MFA_NEXT_SESSION_KEY

register = template.Library()


@register.simple_tag(takes_context=True)
def mfa_continue_url(context) -> str:
    """Where a person goes on after setting up MFA: the page they wanted, else the dashboard."""
    request = context.get("request")
    url = request.session.get(MFA_NEXT_SESSION_KEY) if request is not None else None
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return reverse("dashboard")
