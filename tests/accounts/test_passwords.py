import gzip
import re
import unicodedata

import pytest
from passlib.context import CryptContext

from app.accounts import passwords
from app.accounts.passwords import (
    ARGON2_MEMORY_COST_KIB,
    ARGON2_PARALLELISM,
    ARGON2_TIME_COST,
    COMMON_PASSWORDS_PATH,
    ERROR_CONTAINS_CONTEXT,
    ERROR_EMPTY,
    ERROR_ONLY_SPACES,
    ERROR_TOO_COMMON,
    ERROR_TOO_LONG,
    ERROR_TOO_SHORT,
    check_password,
    hash_password,
    needs_rehash,
    verify_password,
)

ARGON2_HASH = re.compile(
    r"^\$(?P<type>argon2\w+)\$v=(?P<v>\d+)\$m=(?P<m>\d+),t=(?P<t>\d+),p=(?P<p>\d+)\$"
)
GOOD_PASSWORD = "violet kettle harbour moss"
SITE_CONTEXT = (
    "Fullcircle",
    "Northshire Mental Health NHS Foundation Trust",
    "jane.smith@northshire.nhs.uk",
    "Jane Smith",
)


def argon2_parameters(stored_hash: str) -> dict[str, str]:
    match = ARGON2_HASH.match(stored_hash)
    assert match is not None, stored_hash
    return match.groupdict()


@pytest.fixture
def weak_hash() -> str:
    """A hash made with parameters below the current ones, as an older release would have."""
    weak_context = CryptContext(
        schemes=["argon2"], argon2__type="ID", argon2__memory_cost=8192, argon2__time_cost=1
    )
    return str(weak_context.hash(GOOD_PASSWORD))


@pytest.fixture
def hasher_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Records the stored hash passed to every real argon2 verification."""
    calls: list[str] = []
    real_verify_and_update = passwords.pwd_context.verify_and_update

    def recording_verify_and_update(secret: str, stored_hash: str, **kwargs: object) -> object:
        calls.append(stored_hash)
        return real_verify_and_update(secret, stored_hash, **kwargs)

    monkeypatch.setattr(passwords.pwd_context, "verify_and_update", recording_verify_and_update)
    return calls


class TestHashPassword:
    def test_uses_argon2id_with_owasp_parameters(self) -> None:
        params = argon2_parameters(hash_password(GOOD_PASSWORD))

        assert params == {
            "type": "argon2id",
            "v": "19",
            "m": str(ARGON2_MEMORY_COST_KIB),
            "t": str(ARGON2_TIME_COST),
            "p": str(ARGON2_PARALLELISM),
        }

    def test_owasp_minimums_are_the_configured_parameters(self) -> None:
        assert (ARGON2_MEMORY_COST_KIB, ARGON2_TIME_COST, ARGON2_PARALLELISM) == (19456, 2, 1)
        assert hash_password(GOOD_PASSWORD).startswith("$argon2id$v=19$m=19456,t=2,p=1$")

    def test_salts_each_hash(self) -> None:
        assert hash_password(GOOD_PASSWORD) != hash_password(GOOD_PASSWORD)

    def test_does_not_contain_the_password(self) -> None:
        assert GOOD_PASSWORD not in hash_password(GOOD_PASSWORD)


class TestVerifyPassword:
    def test_accepts_the_right_password(self) -> None:
        assert verify_password(GOOD_PASSWORD, hash_password(GOOD_PASSWORD)) == (True, None)

    @pytest.mark.parametrize(
        "attempt",
        [
            "violet kettle harbour mos",
            "Violet kettle harbour moss",
            "violet kettle harbour moss ",
            "",
        ],
    )
    def test_rejects_any_other_password(self, attempt: str) -> None:
        assert verify_password(attempt, hash_password(GOOD_PASSWORD)) == (False, None)

    def test_matches_however_accents_are_composed(self) -> None:
        composed = "ŵyn bach ar y mynydd"
        stored_hash = hash_password(unicodedata.normalize("NFD", composed))

        assert verify_password(composed, stored_hash) == (True, None)

    def test_upgrades_a_hash_made_with_weaker_parameters(self, weak_hash: str) -> None:
        ok, new_hash = verify_password(GOOD_PASSWORD, weak_hash)

        assert ok is True
        assert new_hash is not None
        assert argon2_parameters(new_hash) == argon2_parameters(hash_password(GOOD_PASSWORD))
        assert verify_password(GOOD_PASSWORD, new_hash) == (True, None)

    def test_does_not_upgrade_when_the_password_is_wrong(self, weak_hash: str) -> None:
        assert verify_password("not the password at all", weak_hash) == (False, None)

    def test_unknown_user_fails_after_real_argon2_work(self, hasher_calls: list[str]) -> None:
        assert verify_password("x", None) == (False, None)

        assert len(hasher_calls) == 1
        assert hasher_calls[0].startswith("$argon2id$v=19$m=19456,t=2,p=1$")

    def test_unknown_users_share_one_dummy_hash(self, hasher_calls: list[str]) -> None:
        verify_password("first attempt", None)
        verify_password("second attempt", None)

        assert len(hasher_calls) == 2
        assert hasher_calls[0] == hasher_calls[1]

    def test_unusable_stored_hash_fails_after_real_argon2_work(
        self, hasher_calls: list[str]
    ) -> None:
        assert verify_password(GOOD_PASSWORD, "!") == (False, None)

        assert len(hasher_calls) == 1
        assert hasher_calls[0] != "!"


class TestNeedsRehash:
    def test_current_hash_does_not(self) -> None:
        assert needs_rehash(hash_password(GOOD_PASSWORD)) is False

    def test_hash_with_weaker_parameters_does(self, weak_hash: str) -> None:
        assert needs_rehash(weak_hash) is True


class TestCheckPasswordLength:
    def test_eleven_characters_are_too_short(self) -> None:
        assert check_password("violet kett") == [ERROR_TOO_SHORT]

    @pytest.mark.parametrize(
        "password",
        [
            "violet kettl",
            ("violet kettle harbour moss " * 3)[:64],
            ("violet kettle harbour moss " * 5)[:128],
        ],
        ids=["12", "64", "128"],
    )
    def test_twelve_to_128_characters_are_accepted(self, password: str) -> None:
        assert check_password(password) == []

    def test_129_characters_are_too_long(self) -> None:
        assert check_password(("violet kettle harbour moss " * 5)[:129]) == [ERROR_TOO_LONG]

    def test_empty_password_asks_for_one(self) -> None:
        assert check_password("") == [ERROR_EMPTY]

    @pytest.mark.parametrize("password", [" " * 3, " " * 12, "\t \u00a0 \u3000" * 4])
    def test_only_whitespace_is_rejected(self, password: str) -> None:
        assert check_password(password) == [ERROR_ONLY_SPACES]

    def test_spaces_are_not_trimmed(self) -> None:
        assert check_password("  kettle   ") == [ERROR_TOO_SHORT]
        assert check_password("  kettle moss  ") == []

    def test_no_composition_rules(self) -> None:
        assert check_password("violet kettle harbour moss") == []


class TestCheckPasswordUnicode:
    @pytest.mark.parametrize(
        "password",
        [
            "ďŕåğøñ fly høme ✨",
            "我的密码是一只紫色的风筝",
            "Mae hi'n bwrw hen wragedd a ffyn",
            "ŵyn bach ar y mynydd",
            "teapot 🫖 under the 🌈 rainbow",
            "кошка спит на подоконнике",
        ],
    )
    def test_any_script_and_emoji_are_accepted(self, password: str) -> None:
        assert check_password(password) == []

    def test_twelve_emoji_are_twelve_characters(self) -> None:
        assert check_password("😀🐍🌈🎉🚀🍕🐱🌻🎸📚🧩🦊") == []

    def test_eleven_emoji_are_too_short(self) -> None:
        assert check_password("😀🐍🌈🎉🚀🍕🐱🌻🎸📚🧩") == [ERROR_TOO_SHORT]

    def test_length_is_counted_after_nfc_normalisation(self) -> None:
        eleven = unicodedata.normalize("NFD", "ŵŷâêîôûŵŷâê")
        twelve = unicodedata.normalize("NFD", "ŵŷâêîôûŵŷâêî")
        assert len(eleven) == 22

        assert check_password(eleven) == [ERROR_TOO_SHORT]
        assert check_password(twelve) == []


class TestCheckPasswordCommon:
    @pytest.mark.parametrize("password", ["1q2w3e4r5t6y", "PASSWORD1234", "123QWEasdzxc"])
    def test_listed_password_is_rejected_whatever_its_case(self, password: str) -> None:
        assert check_password(password) == [ERROR_TOO_COMMON]

    @pytest.mark.parametrize(
        "password",
        [
            "password123456",
            "Password123456!",
            "qwertyuiop!!!",
            "iloveyou12345",
            "!!!!sunshine!!!!",
            "2024-letmein-2024",
            "123456monkey",
            "football      ",
            "dragon✨✨✨✨✨✨",
        ],
    )
    def test_padded_common_password_is_rejected(self, password: str) -> None:
        assert check_password(password) == [ERROR_TOO_COMMON]

    @pytest.mark.parametrize(
        "password", ["aaaaaaaaaaaa", "111111111111", "!!!!!!!!!!!!", "abcabcabcabc", "aaaa12345678"]
    )
    def test_repetition_is_rejected(self, password: str) -> None:
        assert check_password(password) == [ERROR_TOO_COMMON]

    @pytest.mark.parametrize(
        "password",
        ["123456789012", "abcdefghijkl", "zyxwvutsrqpon", "987654321098", "asdfghjklzxc"],
    )
    def test_simple_sequence_is_rejected(self, password: str) -> None:
        assert check_password(password) == [ERROR_TOO_COMMON]

    @pytest.mark.parametrize(
        "password",
        ["password is not my password", "dragon kettle harbour", "1984 violet kettle moss"],
    )
    def test_common_word_inside_a_longer_passphrase_is_accepted(self, password: str) -> None:
        assert check_password(password) == []


class TestCommonPasswordList:
    def test_is_shipped_lowercase_one_per_line(self) -> None:
        with gzip.open(COMMON_PASSWORDS_PATH, "rt", encoding="utf-8") as file:
            entries = file.read().splitlines()

        assert len(entries) > 50_000
        assert len(set(entries)) == len(entries)
        assert all(entry and entry == entry.lower() for entry in entries)
        assert {"password", "qwertyuiop", "iloveyou"} <= set(entries)


class TestCheckPasswordContext:
    @pytest.mark.parametrize(
        "password",
        [
            "Fullcircle2024!",
            "FULLCIRCLE fullcircle",
            "jane.smith1990",
            "SmithJane#2024",
            "northshire!!2025",
            "fullcircle northshire",
            "fullfullcirclecircle",
        ],
    )
    def test_password_made_of_context_words_is_rejected(self, password: str) -> None:
        assert check_password(password, context=SITE_CONTEXT) == [ERROR_CONTAINS_CONTEXT]

    def test_passphrase_with_a_context_word_and_enough_else_is_accepted(self) -> None:
        assert check_password("fullcircle is a lovely purple kite", context=SITE_CONTEXT) == []

    @pytest.mark.parametrize(
        "password", ["mental health trust", "foundation nhs 2024", "hotmail gmail outlook"]
    )
    def test_generic_words_in_context_are_ignored(self, password: str) -> None:
        context = ("Northshire Mental Health NHS Foundation Trust", "jo@hotmail.com")

        assert check_password(password, context=context) == []

    def test_short_name_parts_are_ignored(self) -> None:
        assert check_password("jo li kettle harbour", context=("Jo Li", "jo.li@example.org")) == []

    def test_email_domain_label_counts(self) -> None:
        assert check_password("brightwater2024!", context=("sam@brightwater.co.uk",)) == [
            ERROR_CONTAINS_CONTEXT
        ]

    def test_accented_name_matches_however_it_is_composed(self) -> None:
        context = (unicodedata.normalize("NFD", "Siân Llewellyn"),)

        assert check_password("llewellyn1987!!", context=context) == [ERROR_CONTAINS_CONTEXT]

    def test_single_string_context_is_one_value(self) -> None:
        assert check_password("Fullcircle2024!", context="Fullcircle") == [ERROR_CONTAINS_CONTEXT]

    def test_common_and_context_problems_are_both_reported(self) -> None:
        errors = check_password("sunshine12345", context=("Sunshine Patel",))

        assert errors == [ERROR_TOO_COMMON, ERROR_CONTAINS_CONTEXT]

    def test_no_context_means_no_context_error(self) -> None:
        assert check_password("Fullcircle2024!") == []
