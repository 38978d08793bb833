from tests.matrix import ALL_ROLES, ANON, COORD, SIGNED_IN, Case, everyone, only

MATRIX = {
    "home": Case(expect=everyone(200)),
    "favicon": Case(expect=everyone(200)),
    "dashboard": Case(expect=only(SIGNED_IN)),
    "organisations:list": Case(expect=only(SIGNED_IN)),
    # Each role sees its own organisation; another organisation is a 404 (never a 403).
    "organisations:detail": Case(
        kwargs=lambda w: {"slug": w.orgs["network_member"].slug},
        expect={**only([COORD, "network_member"], denied=404)},
    ),
    "organisations:tokens": Case(
        kwargs=lambda w: {"slug": w.orgs["network_member"].slug},
        expect={**only([COORD], denied=404), "network_member": 403},
    ),
    "organisations:token_revoke": Case(
        method="post",
        kwargs=lambda w: {"slug": w.orgs["network_member"].slug, "pk": w.extra["token"].pk},
        expect={**only([COORD], ok=302, denied=404), "network_member": 403},
    ),
    "audit:list": Case(expect=only([COORD])),
    # Development mail viewer: coordinators only, and only when DEBUG (tests run without it;
    # test_dev_mail.py covers DEBUG on).
    "dev_mail": Case(expect=only([COORD], ok=404)),
}
assert ANON in ALL_ROLES
