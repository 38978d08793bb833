"""banks_import and banks_export on the command line."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ostoja.banks.models import BankEntry, BankImport
from tests.conftest import make_user

from .helpers import PDQ_A, add

pytestmark = pytest.mark.django_db

MD5 = "0123456789abcdef0123456789abcdef"


def test_import_command(bank, tmp_path):
    path = tmp_path / "te.csv"
    path.write_text(
        "signal_type,signal_str,collab,category,tags\n"
        f"pdq,{PDQ_A},Collab,POSITIVE_CLASS,classification:baseline\n"
        f"video_md5,{MD5},Collab,POSITIVE_CLASS,\n"
    )
    out = io.StringIO()
    call_command("banks_import", "bank-a", str(path), "--dry-run", stdout=out)
    assert "Dry run" in out.getvalue() and not BankEntry.objects.exists()
    assert not BankImport.objects.exists()
    user = make_user("hotline_analyst", bank.owner, email="cli@example.test")
    call_command(
        "banks_import", "bank-a", str(path), "--as", "cli@example.test", stdout=io.StringIO()
    )
    assert BankEntry.objects.count() == 2
    assert set(BankEntry.objects.values_list("added_by", flat=True)) == {user.pk}
    assert BankEntry.objects.get(signal_type="pdq").classification == "baseline"
    assert BankEntry.objects.get(signal_type="md5").source == "Collab"


def test_import_command_errors(bank, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(f"signal_type,signal_value\nmd5,{MD5}\nmd5,xyz\n")
    err = io.StringIO()
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("banks_import", "bank-a", str(bad), stdout=io.StringIO(), stderr=err)
    assert "line 3" in err.getvalue()
    assert not BankEntry.objects.exists()
    with pytest.raises(CommandError, match="No bank"):
        call_command("banks_import", "nope", str(bad))
    with pytest.raises(CommandError):
        call_command("banks_import", "bank-a", str(tmp_path / "missing.csv"))
    with pytest.raises(CommandError, match="No user"):
        call_command("banks_import", "bank-a", str(bad), "--as", "who@example.test")


def test_export_command_since_and_errors(bank, signing_key, tmp_path):
    add(bank, "md5", MD5)
    out = io.StringIO()
    call_command("banks_export", "bank-a", "--since", "2999-01-01", "-o", str(tmp_path), stdout=out)
    assert "0 row(s)" in out.getvalue()
    with pytest.raises(CommandError, match="--since"):
        call_command("banks_export", "bank-a", "--since", "soon", "-o", str(tmp_path))
    with pytest.raises(CommandError, match="No bank"):
        call_command("banks_export", "nope")
    call_command(
        "banks_export",
        "bank-a",
        "--format",
        "threatexchange-csv",
        "-o",
        str(tmp_path),
        stdout=io.StringIO(),
    )
    assert list(tmp_path.glob("*-threatexchange.csv.sig"))
