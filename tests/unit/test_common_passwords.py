import gzip
from pathlib import Path

import pytest

from api.infrastructure.security.common_passwords import DEFAULT_PATH, CommonPasswords

SHIPPED = CommonPasswords()


@pytest.mark.parametrize(
    "password",
    ["password", "123456789", "qwertyuiop", "PASSWORD", "QwertyUIOP", "  123456789\n"],
)
def test_a_well_known_password_is_found_whatever_its_case_and_surrounding_spaces(password):
    assert password in SHIPPED


def test_a_long_random_passphrase_is_not_found():
    assert "correct-horse-battery-staple-violet-anvil-7431" not in SHIPPED


def test_the_shipped_file_holds_both_published_lists_and_its_header_names_the_sources():
    lines = gzip.decompress(DEFAULT_PATH.read_bytes()).decode("utf-8").split("\n")
    header = "\n".join(line for line in lines[:100] if line.startswith("#"))

    assert len(SHIPPED) == 55_860
    assert "Django 5.2.19" in header
    assert "common-passwords.txt.gz" in header
    assert "Royce Williams" in header
    assert "BSD-3-Clause" in header
    assert "@zxcvbn-ts/language-common 4.1.3" in header
    assert "Dan Wheeler and Dropbox" in header  # the MIT notice it asks to keep
    assert DEFAULT_PATH.stat().st_size < 300_000


@pytest.mark.parametrize("password", ["passw0rd", "summer", "trustno1", "1qaz2wsx3edc"])
def test_breached_passwords_beyond_the_first_ten_thousand_are_found(password):
    assert password in SHIPPED


def test_a_compressed_list_is_read_like_a_plain_one(tmp_path: Path):
    path = tmp_path / "list.txt.gz"
    path.write_bytes(gzip.compress(b"# header\nhunter2\n"))

    assert "HUNTER2" in CommonPasswords(path)


def test_an_entry_after_the_header_that_begins_with_a_hash_is_a_password(tmp_path: Path):
    path = tmp_path / "list.txt"
    path.write_text("# a header\n#\n\nhunter2\n#hashtag1\n", encoding="utf-8")
    passwords = CommonPasswords(path)

    assert "#HashTag1" in passwords
    assert "a header" not in passwords
    assert len(passwords) == 2


def test_nothing_is_read_until_the_first_lookup(tmp_path: Path):
    passwords = CommonPasswords(tmp_path / "missing.txt")

    with pytest.raises(FileNotFoundError):
        _ = "password" in passwords


def test_the_list_is_read_once_and_kept(tmp_path: Path):
    path = tmp_path / "list.txt"
    path.write_text("hunter2\n", encoding="utf-8")
    passwords = CommonPasswords(path)
    assert "hunter2" in passwords

    path.unlink()

    assert "hunter2" in passwords
