"""Template helpers for other apps' pages that link to the people pages."""

from django import template

from ostoja.people import permissions

register = template.Library()


@register.simple_tag(takes_context=True)
def can_manage_people(context, organisation) -> bool:
    request = context.get("request")
    user = getattr(request, "user", None)
    return bool(user and permissions.can_manage_people(user, organisation))
