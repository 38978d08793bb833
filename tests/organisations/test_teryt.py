"""The shipped TERC register and its loader."""

from __future__ import annotations

import shutil

import pytest
from django.core.management import CommandError, call_command

from ostoja.organisations import teryt


def test_the_shipped_register_has_every_authority():
    reg = teryt.register()
    assert reg.date == "2024-01-01"
    kinds = [u.kind for u in reg.authorities()]
    assert kinds.count(teryt.VOIVODESHIP) == 16
    assert kinds.count(teryt.POWIAT) + kinds.count(teryt.CITY_POWIAT) == 380
    gminas = [k for k in kinds if k.startswith("gmina_")]
    assert len(gminas) == 2477
    assert len(reg.authorities()) == 2873


def test_codes_names_and_labels():
    reg = teryt.register()
    assert reg.get("02").name == "dolnośląskie"
    gmina = reg.get("0201022")
    assert (gmina.name, gmina.kind, gmina.level) == ("Bolesławiec", teryt.GMINA_RURAL, "gmina")
    assert reg.label(gmina) == "Bolesławiec (gmina wiejska), pow. bolesławiecki, woj. dolnośląskie"
    warsaw = reg.get("1465")
    assert warsaw.kind == teryt.CITY_POWIAT and warsaw.is_authority
    assert not reg.get("0201044").is_authority  # the town part of an urban-rural gmina
    assert reg.get("9999999") is None and reg.get("") is None
    assert teryt.is_authority_code("14") and not teryt.is_authority_code("14x")


def test_search_folds_case_and_diacritics():
    reg = teryt.register()
    names = [u.name for u in reg.search("lodz", limit=5)]
    assert "łódzkie" in names and "Łódź" in names
    assert all(u.is_authority for u in reg.search("bo", limit=50))
    assert reg.search("0201")[0].code == "0201"
    only_02 = reg.search("bo", voivodeship="02", limit=500)
    assert only_02 and {u.voivodeship_code for u in only_02} == {"02"}
    assert reg.search("   ") == []


def test_children():
    reg = teryt.register()
    assert len(reg.children("02")) == 30  # 26 powiats and 4 cities with powiat rights
    assert {u.powiat_code for u in reg.children("0201")} == {"0201"}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("WOJ,POW,NAZWA\n02,,X\n", "missing columns"),
        ("WOJ,POW,GMI,RODZ,NAZWA,NAZWA_DOD,STAN_NA\n2,,,,X,województwo,2025-01-01\n", "malformed"),
        (
            "WOJ,POW,GMI,RODZ,NAZWA,NAZWA_DOD,STAN_NA\n02,01,01,1,X,gmina miejska,2025-01-01\n",
            "missing",
        ),
        (
            "WOJ,POW,GMI,RODZ,NAZWA,NAZWA_DOD,STAN_NA\n02,,,,A,województwo,2025-01-01\n"
            "02,,,,B,województwo,2025-01-01\n",
            "twice",
        ),
        ("WOJ,POW,GMI,RODZ,NAZWA,NAZWA_DOD,STAN_NA\n", "no units"),
    ],
)
def test_a_broken_file_is_refused(tmp_path, content, message):
    path = tmp_path / "terc.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(teryt.RegisterError, match=message):
        teryt.parse(path)


def test_update_command_checks_and_installs_a_newer_file(tmp_path, monkeypatch):
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(teryt.DATA_DIR / "terc-2024-01-01.csv", data)
    monkeypatch.setattr(teryt, "DATA_DIR", data)
    teryt.register.cache_clear()
    newer = tmp_path / "TERC_Urzedowy_2025-01-01.csv"
    # The official download: ";" separated, one new gmina.
    lines = (data / "terc-2024-01-01.csv").read_text(encoding="utf-8").splitlines()
    rows = [line.replace("2024-01-01", "2025-01-01").replace(",", ";") for line in lines]
    rows.append("02;01;09;2;Nowa Gmina;gmina wiejska;2025-01-01")
    newer.write_text("\n".join(rows) + "\n", encoding="utf-8")
    try:
        with pytest.raises(CommandError, match="not older"):
            call_command("teryt_update", str(data / "terc-2024-01-01.csv"))
        call_command("teryt_update", str(newer), "--dry-run")
        assert teryt.current_file().name == "terc-2024-01-01.csv"
        call_command("teryt_update", str(newer))
        assert teryt.current_file().name == "terc-2025-01-01.csv"
        assert teryt.register().get("0201092").name == "Nowa Gmina"
        broken = tmp_path / "broken.csv"
        broken.write_text("nonsense\n", encoding="utf-8")
        with pytest.raises(CommandError, match="Not a valid TERC"):
            call_command("teryt_update", str(broken))
    finally:
        teryt.register.cache_clear()
