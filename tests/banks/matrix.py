"""Role × URL expectations of the bank pages (see tests/matrix.py).

The banks belong to hotline work: coordinators and the analysts and supervisors of the owner
hotline ("world-hotline"); everyone else 403. Items of the hotline are visible to its analysts
and supervisors only, so "add from item" is a 404 for a coordinator.
"""

from ostoja.banks import services
from tests.matrix import ANALYST, COORD, SUPER, Case, everyone, only

BANK_STAFF = [COORD, ANALYST, SUPER]


def _bank(w):
    if "bank" not in w.extra:
        bank = services.create_bank(
            actor=None, owner=w.orgs[ANALYST], name="World bank", slug="world-bank"
        )
        w.extra["bank"] = bank
        w.extra["entry"] = services.add_entry(
            actor=None,
            bank=bank,
            signal_type="md5",
            value="0" * 32,
            classification="national",
        )
    return w.extra["bank"]


def _import(w):
    bank = _bank(w)
    w.extra["import"] = services.preview_import(
        actor=None, bank=bank, data=b"signal_type,signal_value\nmd5," + b"1" * 32 + b"\n"
    )


def _item(w):
    from tests.hotline.factories import item

    w.extra["item"] = item(w.orgs[ANALYST], hashes=[("md5", "2" * 32)])


def _slug(w):
    return {"slug": _bank(w).slug}


MATRIX = {
    "banks:list": Case(expect=only(BANK_STAFF)),
    "banks:create": Case(expect=only(BANK_STAFF)),
    "banks:public_key": Case(expect=everyone(200)),
    "banks:detail": Case(setup=[_bank], kwargs=_slug, expect=only(BANK_STAFF)),
    "banks:set_enabled": Case(
        method="post",
        setup=[_bank],
        kwargs=_slug,
        data=lambda w: {"enabled": "0"},
        expect=only(BANK_STAFF, ok=302),
    ),
    "banks:add_entry": Case(setup=[_bank], kwargs=_slug, expect=only(BANK_STAFF)),
    "banks:remove_entry": Case(
        setup=[_bank],
        kwargs=lambda w: {"slug": w.extra["bank"].slug, "pk": w.extra["entry"].pk},
        expect=only(BANK_STAFF),
    ),
    "banks:import": Case(setup=[_bank], kwargs=_slug, expect=only(BANK_STAFF)),
    "banks:import_detail": Case(
        setup=[_import],
        kwargs=lambda w: {"slug": "world-bank", "pk": w.extra["import"].pk},
        expect=only(BANK_STAFF),
    ),
    "banks:import_confirm": Case(
        method="post",
        setup=[_import],
        kwargs=lambda w: {"slug": "world-bank", "pk": w.extra["import"].pk},
        expect=only(BANK_STAFF, ok=302),
    ),
    "banks:import_discard": Case(
        method="post",
        setup=[_import],
        kwargs=lambda w: {"slug": "world-bank", "pk": w.extra["import"].pk},
        expect=only(BANK_STAFF, ok=302),
    ),
    "banks:export": Case(setup=[_bank], kwargs=_slug, expect=only(BANK_STAFF)),
    "banks:add_from_item": Case(
        setup=[_item],
        kwargs=lambda w: {"item_id": w.extra["item"].pk},
        expect={**only([ANALYST, SUPER]), COORD: 404},
    ),
}
