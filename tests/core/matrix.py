from tests.matrix import ALL_ROLES, ANON, COORD, SIGNED_IN, Case, everyone, only

MATRIX = {
    "home": Case(expect=everyone(200)),
    "dashboard": Case(expect=only(SIGNED_IN)),
    "audit:list": Case(expect=only([COORD])),
}
assert ANON in ALL_ROLES
