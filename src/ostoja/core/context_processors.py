from django.conf import settings


def ostoja(request):
    return {"OSTOJA_DEBUG": settings.DEBUG, "OSTOJA_OPEN_SIGNUP": settings.OSTOJA_OPEN_SIGNUP}
