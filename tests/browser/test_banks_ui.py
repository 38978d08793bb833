"""What an analyst does with the hash banks, in a real browser (no JavaScript needed)."""

import io
import zipfile

import pytest

from ostoja.accounts.demo import current_code
from ostoja.banks import signing
from ostoja.banks.index_cache import default_cache
from ostoja.banks.models import BankEntry, HashBank
from tests.browser.conftest import serious_axe_violations
from tests.conftest import TEST_TOTP_SECRET, make_user
from tests.factories import TEST_PASSWORD, OrganisationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDQ = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
MD5 = "0123456789abcdef0123456789abcdef"


@pytest.fixture
def key(tmp_path, settings):
    path = tmp_path / "signing.pem"
    k = signing.generate_key(path)
    settings.OSTOJA_BANK_SIGNING_KEY_FILE = str(path)
    default_cache.reset()
    return k


def sign_in(page, email):
    page.goto("/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url("**/accounts/2fa/authenticate/**")
    page.fill("input[name=code]", current_code(TEST_TOTP_SECRET))
    page.locator("form:has(input[name=code]) button[type=submit]").first.click()
    page.wait_for_url("**/dashboard/")


def test_analyst_creates_fills_imports_and_exports_a_bank(page, key, tmp_path):
    hotline = OrganisationFactory(kind="hotline", name="Punkt Testowy")
    make_user("hotline_analyst", hotline, email="bank-analyst@example.test")
    sign_in(page, "bank-analyst@example.test")

    page.goto("/banks/")
    page.get_by_role("link", name="Nowy bank").click()
    page.fill("input[name=name]", "Lista testowa")
    page.get_by_role("button", name="Utwórz bank").click()
    page.wait_for_url("**/banks/lista-testowa/")

    page.get_by_role("link", name="Dodaj skrót").click()
    page.select_option("select[name=signal_type]", "pdq")
    page.fill("input[name=value]", PDQ.upper())
    page.select_option("select[name=classification]", "baseline")
    page.get_by_role("button", name="Dodaj do banku").click()
    page.wait_for_url("**/banks/lista-testowa/")
    assert PDQ in page.content()
    assert serious_axe_violations(page) == []

    csv_file = tmp_path / "lista.csv"
    csv_file.write_text(f"signal_type,signal_value\nmd5,{MD5}\nsha1,{'z' * 40}\n")
    page.get_by_role("link", name="Importuj listę").click()
    page.set_input_files("input[name=file]", str(csv_file))
    page.get_by_role("button", name="Sprawdź plik").click()
    assert "Nic nie zaimportowano" in page.content()  # the bad SHA-1 line: all or nothing
    assert BankEntry.objects.count() == 1

    csv_file.write_text(f"signal_type,signal_value\nmd5,{MD5}\n")
    page.get_by_role("link", name="Prześlij poprawiony plik").click()
    page.set_input_files("input[name=file]", str(csv_file))
    page.get_by_role("button", name="Sprawdź plik").click()
    assert "1 skrót zostanie dodany" in page.content()
    assert serious_axe_violations(page) == []
    page.get_by_role("button", name="Importuj do banku").click()
    page.wait_for_url("**/banks/lista-testowa/")
    assert BankEntry.objects.active().count() == 2

    page.get_by_role("link", name="Eksport (podpisany)").click()
    with page.expect_download() as info:
        page.get_by_role("button", name="Pobierz").click()
    bundle = info.value.path().read_bytes()
    with zipfile.ZipFile(io.BytesIO(bundle)) as z:
        csv_name = next(n for n in z.namelist() if n.endswith(".csv"))
        verified = signing.verify_export(
            z.read(csv_name), z.read(csv_name + ".sig"), signing.public_key_pem(key)
        )
    assert verified.statement["rows"] == 2

    page.goto("/banks/lista-testowa/")
    page.get_by_role("button", name="Przestań porównywać z tym bankiem").click()
    page.wait_for_url("**/banks/lista-testowa/")
    assert not HashBank.objects.get().enabled
    assert page.request_log.foreign() == []


def test_public_key_page_is_accessible(page, key):
    page.goto("/banks/public-key/")
    assert signing.key_id(key) in page.content()
    assert serious_axe_violations(page) == []
    assert page.context.cookies() == []
