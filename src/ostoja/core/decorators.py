"""View decorators shared by all apps."""

from __future__ import annotations

from functools import wraps


def private_page(view):
    """Mark a response ``Cache-Control: no-store`` (pages whose visit is itself sensitive)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response.ostoja_no_store = True
        return response

    return wrapper
