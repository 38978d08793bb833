"""Token authentication of the JSON API (its own module: the apps' ``api`` modules import it
while ``ostoja.core.api`` imports them to mount their routers)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from ninja.errors import HttpError
from ninja.security import HttpBearer

from ostoja.organisations.services import authenticate_token


class TokenAuth(HttpBearer):
    """``Authorization: Bearer <token>``; the token must carry ``scope`` (if given)."""

    openapi_description = "Organisation API token issued with `manage.py issue_api_token`."

    def __init__(self, scope: str | None = None):
        super().__init__()
        self.scope = scope

    def authenticate(self, request, token):
        api_token = authenticate_token(token)
        if api_token is None:
            return None
        if self.scope and not api_token.has_scope(self.scope):
            raise HttpError(
                403, _("This token does not have the '%(scope)s' scope.") % {"scope": self.scope}
            )
        request.api_token = api_token
        request.organisation = api_token.organisation
        return api_token
