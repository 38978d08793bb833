from tests.matrix import ALL_ROLES, ANON, COORD, SIGNED_IN, Case, everyone, only

MATRIX = {
    "home": Case(expect=everyone(200)),
    "favicon": Case(expect=everyone(200)),
    "dashboard": Case(expect=only(SIGNED_IN)),
    "audit:list": Case(expect=only([COORD])),
    # Development mail viewer: coordinators only, and only when DEBUG (tests run without it;
    # test_dev_mail.py covers DEBUG on).
    "dev_mail": Case(expect=only([COORD], ok=404)),
}
assert ANON in ALL_ROLES
