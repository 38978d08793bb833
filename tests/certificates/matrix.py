"""Role × URL expectations of the certificates (see tests/matrix.py).

The verification page is public; a holder sees their own certificates (a certificate of
someone else is a 404, tested in test_certificates.py); the register is the coordinator's.
"""

from tests.matrix import ALL_ROLES, ANON, COORD, MEMBER, Case, everyone, only


def _certificate(world):
    from ostoja.certificates import services

    world.extra["certificate"] = services.issue(
        holder_name="Członek Sieci",
        holder_user=world.users[MEMBER],
        title="Ostoja C-1 2026",
        kind="completion",
        source_key="test:matrix",
        items=[{"label": "C-1", "date": "2026-03-02", "hours": 4}],
    )


def _code(world):
    return {"code": world.extra["certificate"].code}


def _holder_or_coordinator(ok: int) -> dict:
    expect = dict.fromkeys(ALL_ROLES, 404)
    expect[ANON] = 302
    expect[COORD] = ok
    expect[MEMBER] = ok
    return expect


MATRIX = {
    "certificates:verify": Case(expect=everyone(200)),
    "certificates:mine": Case(expect={**everyone(200), ANON: 302}),
    "certificates:register": Case(expect=only([COORD]), setup=[_certificate]),
    "certificates:pdf": Case(
        expect=_holder_or_coordinator(200), setup=[_certificate], kwargs=_code
    ),
    "certificates:revoke": Case(
        expect={**only([COORD], ok=302), MEMBER: 403},
        method="post",
        data=lambda w: {"reason": "test"},
        setup=[_certificate],
        kwargs=_code,
    ),
}
