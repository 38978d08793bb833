"""Ed25519 signing of exports: the pure verify function and the commands around it."""

import base64
import io
import json
import os
import stat
import zipfile

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import call_command
from django.core.management.base import CommandError

from ostoja.banks import signing
from ostoja.banks.services import export_bank, export_zip

from .helpers import PDQ_A, add

DATA = b"signal_type,signal_value\nmd5,0123456789abcdef0123456789abcdef\n"
STATEMENT = {"bank": "b", "bank_version": 3, "rows": 1}


@pytest.fixture
def key():
    return Ed25519PrivateKey.generate()


def test_round_trip(key):
    sig = signing.sign_export(DATA, statement=STATEMENT, private_key=key)
    verified = signing.verify_export(DATA, sig, signing.public_key_pem(key))
    assert verified.key_id == signing.key_id(key)
    assert verified.statement["bank_version"] == 3
    assert len(verified.statement["file_sha256"]) == 64


def test_a_changed_byte_fails(key):
    sig = signing.sign_export(DATA, statement=STATEMENT, private_key=key)
    tampered = DATA.replace(b"0123", b"0124", 1)
    with pytest.raises(signing.VerificationError, match="altered"):
        signing.verify_export(tampered, sig, signing.public_key_pem(key))


def test_a_changed_statement_fails(key):
    envelope = json.loads(signing.sign_export(DATA, statement=STATEMENT, private_key=key))
    envelope["statement"]["bank_version"] = 99  # pass an old list off as newer
    with pytest.raises(signing.VerificationError, match="statement was altered"):
        signing.verify_export(DATA, json.dumps(envelope).encode(), signing.public_key_pem(key))


def test_another_key_fails(key):
    sig = signing.sign_export(DATA, statement=STATEMENT, private_key=key)
    other = Ed25519PrivateKey.generate()
    with pytest.raises(signing.VerificationError, match="signed with key"):
        signing.verify_export(DATA, sig, signing.public_key_pem(other))
    # A forged key id does not help: the signature itself is checked.
    envelope = json.loads(sig)
    envelope["key_id"] = signing.key_id(other)
    with pytest.raises(signing.VerificationError, match="altered"):
        signing.verify_export(DATA, json.dumps(envelope).encode(), signing.public_key_pem(other))


@pytest.mark.parametrize(
    ("mutate", "fragment"),
    [
        (lambda e: b"not json", "not JSON"),
        (lambda e: json.dumps({**e, "format": "x"}).encode(), "not an Ostoja"),
        (lambda e: json.dumps({**e, "version": 2}).encode(), "version"),
        (lambda e: json.dumps({**e, "algorithm": "RSA"}).encode(), "algorithm"),
        (lambda e: json.dumps({**e, "signature": "%%%"}).encode(), "base64"),
        (lambda e: json.dumps({**e, "statement": []}).encode(), "lacks"),
        (lambda e: b" " * (signing.MAX_SIGNATURE_BYTES + 1), "too large"),
    ],
)
def test_malformed_signature_files(key, mutate, fragment):
    envelope = json.loads(signing.sign_export(DATA, statement=STATEMENT, private_key=key))
    with pytest.raises(signing.VerificationError, match=fragment):
        signing.verify_export(DATA, mutate(envelope), signing.public_key_pem(key))


def test_bad_public_keys(key):
    sig = signing.sign_export(DATA, statement=STATEMENT, private_key=key)
    with pytest.raises(signing.VerificationError, match="not a PEM"):
        signing.verify_export(DATA, sig, "-----BEGIN PUBLIC KEY-----\nAAAA\n")
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    ec_pem = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    with pytest.raises(signing.VerificationError, match="not an Ed25519"):
        signing.verify_export(DATA, sig, ec_pem)


def test_signature_is_over_domain_separated_canonical_json(key):
    envelope = json.loads(signing.sign_export(DATA, statement=STATEMENT, private_key=key))
    message = (
        signing.DOMAIN
        + json.dumps(envelope["statement"], sort_keys=True, separators=(",", ":")).encode()
    )
    key.public_key().verify(base64.b64decode(envelope["signature"]), message)


def test_generate_key_is_private_and_never_overwritten(tmp_path):
    path = tmp_path / "k.pem"
    key = signing.generate_key(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert signing.key_id(signing.load_private_key(path)) == signing.key_id(key)
    assert (tmp_path / "k.pem.pub").read_text() == signing.public_key_pem(key)
    with pytest.raises(FileExistsError):
        signing.generate_key(path)


def test_missing_or_wrong_key_files(tmp_path):
    with pytest.raises(signing.SigningKeyMissing, match="banks_keygen"):
        signing.load_private_key(tmp_path / "nope.pem")
    (tmp_path / "junk.pem").write_text("junk")
    with pytest.raises(signing.SigningKeyMissing, match="not an unencrypted PEM"):
        signing.load_private_key(tmp_path / "junk.pem")


def test_key_path_from_setting(settings, tmp_path):
    settings.OSTOJA_BANK_SIGNING_KEY_FILE = str(tmp_path / "x.pem")
    assert signing.signing_key_path() == tmp_path / "x.pem"


def test_keygen_command(tmp_path):
    out = io.StringIO()
    call_command("banks_keygen", "--path", str(tmp_path / "k.pem"), stdout=out)
    assert "Key id:" in out.getvalue() and "BEGIN PUBLIC KEY" in out.getvalue()
    with pytest.raises(CommandError, match="--force"):
        call_command("banks_keygen", "--path", str(tmp_path / "k.pem"), stdout=io.StringIO())
    call_command("banks_keygen", "--path", str(tmp_path / "k.pem"), "--force", stdout=out)


@pytest.mark.django_db
def test_export_commands_and_verify_command(bank, signing_key, tmp_path):
    add(bank, "pdq", PDQ_A)
    pub = tmp_path / "publisher.pem"
    pub.write_text(signing.public_key_pem(signing_key))
    out = io.StringIO()
    call_command("banks_export", "bank-a", "-o", str(tmp_path), stdout=out)
    csv_path = next(tmp_path.glob("bank-a-v*.csv"))
    assert (tmp_path / (csv_path.name + ".sig")).exists()
    out = io.StringIO()
    call_command("banks_verify_export", str(csv_path), "--public-key", str(pub), stdout=out)
    assert "Verified with key" in out.getvalue()
    assert '"bank": "bank-a"' in out.getvalue()

    # Tampered: one hash changed in the CSV.
    csv_path.write_bytes(csv_path.read_bytes().replace(PDQ_A.encode(), b"0" * 64))
    with pytest.raises(CommandError, match="NOT VERIFIED"):
        call_command("banks_verify_export", str(csv_path), "--public-key", str(pub))

    # The ZIP bundle verifies on its own.
    call_command("banks_export", "bank-a", "--zip", "-o", str(tmp_path), stdout=io.StringIO())
    bundle = next(tmp_path.glob("bank-a-v*.zip"))
    call_command("banks_verify_export", str(bundle), "--public-key", str(pub), stdout=out)

    # With someone else's key it does not.
    other = tmp_path / "other.pem"
    other.write_text(signing.public_key_pem(Ed25519PrivateKey.generate()))
    with pytest.raises(CommandError, match="signed with key"):
        call_command("banks_verify_export", str(bundle), "--public-key", str(other))


@pytest.mark.django_db
def test_verify_command_without_signature(tmp_path, signing_key):
    path = tmp_path / "list.csv"
    path.write_bytes(DATA)
    pub = tmp_path / "pub.pem"
    pub.write_text(signing.public_key_pem(signing_key))
    with pytest.raises(CommandError, match="No signature"):
        call_command("banks_verify_export", str(path), "--public-key", str(pub))


@pytest.mark.django_db
def test_tampered_zip_bundle_fails(bank, signing_key):
    add(bank, "md5", "a" * 32)
    signed = export_bank(actor=None, bank=bank)
    data = signed.data.replace(b"a" * 32, b"b" * 32)
    with zipfile.ZipFile(io.BytesIO(export_zip(signed))) as z:
        assert sorted(z.namelist()) == sorted([signed.file_name, signed.signature_name])
    with pytest.raises(signing.VerificationError):
        signing.verify_export(data, signed.signature, signing.public_key_pem(signing_key))


def test_export_without_key_is_refused(bank, settings, tmp_path):
    from ostoja.banks.services import BankError

    settings.OSTOJA_BANK_SIGNING_KEY_FILE = str(tmp_path / "missing.pem")
    with pytest.raises(BankError, match="banks_keygen"):
        export_bank(actor=None, bank=bank)
