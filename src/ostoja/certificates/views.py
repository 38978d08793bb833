"""The public verification page; a holder's certificates; the coordinator's register."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ostoja.core.decorators import private_page
from ostoja.core.permissions import permission_required
from ostoja.core.ratelimit import CacheRateLimiter
from ostoja.organisations.permissions import is_coordinator

from . import codes, services
from .models import Certificate

ratelimit = CacheRateLimiter(
    "certificates", "OSTOJA_CERTIFICATES_RATE_LIMITS", {"verify": (60, 600)}
)


@require_GET
@private_page
def verify(request):
    """Anyone checks a code, without signing in. A GET form: no CSRF token, so no cookie."""
    text = request.GET.get("code", "")
    result = None
    status = 200
    if text:
        if not ratelimit.allow(request, "verify"):
            result = services.Verification("limited")
            status = 429
        else:
            result = services.verify(text)
    return render(
        request,
        "certificates/verify.html",
        {"code": text[:64], "result": result},
        status=status,
    )


@login_required
@require_GET
def mine(request):
    certificates = Certificate.objects.filter(holder_user=request.user).select_related("issuer")
    return render(request, "certificates/mine.html", {"certificates": certificates})


def _visible(request, code: str) -> Certificate:
    code = codes.normalise(code)
    if code is None:
        raise Http404
    certificate = get_object_or_404(Certificate.objects.select_related("issuer"), code=code)
    if certificate.holder_user_id != request.user.pk and not is_coordinator(request.user):
        raise Http404  # someone else's certificate: as if it did not exist
    return certificate


@login_required
@require_GET
def pdf(request, code):
    certificate = _visible(request, code)
    response = HttpResponse(services.pdf_bytes(certificate), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="certificate-{certificate.code}.pdf"'
    return response


@permission_required(is_coordinator)
@require_GET
def register(request):
    query = request.GET.get("q", "").strip()[:100]
    certificates = Certificate.objects.select_related("issuer")
    if query:
        code = codes.normalise(query)
        certificates = (
            certificates.filter(code=code) if code else certificates.filter(title__icontains=query)
        )
    page = Paginator(certificates, 50).get_page(request.GET.get("page"))
    return render(request, "certificates/register.html", {"page": page, "q": query})


@permission_required(is_coordinator)
@require_POST
def revoke(request, code):
    certificate = _visible(request, code)
    try:
        services.revoke(certificate, actor=request.user, reason=request.POST.get("reason", ""))
    except services.CertificateError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The certificate was revoked."))
    return redirect("certificates:register")
