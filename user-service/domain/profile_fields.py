"""The rules for each profile field: what is accepted and how it is stored.

Each function takes what a person typed and returns the stored form, or raises
`InvalidProfileData` with a message meant for that person.
"""

from __future__ import annotations

import re
from datetime import date

import phonenumbers
import pycountry

from domain.errors import InvalidProfileData

DEFAULT_PHONE_REGION = "ID"
DEFAULT_NATIONALITY = "ID"
MAX_AGE_YEARS = 120
FULL_NAME_MAX = 200
ADDRESS_MAX = 500
EMAIL_MAX = 320
_PHONE_INPUT_MAX = 32

# KTP (Kartu Tanda Penduduk): the 16-digit NIK. Passports: 6-9 letters and digits (Indonesian
# ones are a letter and 7 digits, foreign ones vary).
_KTP = re.compile(r"^[0-9]{16}$")
_PASSPORT = re.compile(r"^[A-Za-z0-9]{6,9}$")
_VISIBLE_ID_CHARS = 4


def parse_phone(raw: str) -> str:
    """Any common way of writing a number ("0812-3456-7890", "+62 812 3456 7890"), read as
    Indonesian unless it has a country code; stored in E.164 ("+6281234567890")."""
    text = raw.strip()
    invalid = InvalidProfileData(
        "phone is not a valid phone number; use a local number such as 0812-3456-7890 "
        "or an international one such as +6281234567890"
    )
    if not text or len(text) > _PHONE_INPUT_MAX:
        raise invalid
    try:
        number = phonenumbers.parse(text, DEFAULT_PHONE_REGION)
    except phonenumbers.NumberParseException as exc:
        raise invalid from exc
    if not phonenumbers.is_valid_number(number):
        raise invalid
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def parse_nationality(raw: str) -> str:
    """An ISO 3166-1 alpha-2 country code, stored upper-case ("id" -> "ID")."""
    code = raw.strip().upper()
    well_formed = len(code) == 2 and code.isascii() and code.isalpha()
    if not well_formed or pycountry.countries.get(alpha_2=code) is None:
        raise InvalidProfileData("nationality must be an ISO 3166-1 alpha-2 country code such as ID or SG")
    return code


# The languages TiketQ writes to customers in; Indonesian unless they choose English.
LANGUAGES = ("id", "en")
DEFAULT_LANGUAGE = "id"


def parse_language(raw: str) -> str:
    """The language messages are written in: `id` (Bahasa Indonesia) or `en`."""
    code = raw.strip().lower()
    if code not in LANGUAGES:
        raise InvalidProfileData("language must be id (Bahasa Indonesia) or en (English)")
    return code


# The zones TiketQ writes times in (IANA names), with the abbreviation Indonesians read: western
# (Java, Sumatra, West and Central Kalimantan), central (Bali, Nusa Tenggara, Sulawesi, South and
# East Kalimantan) and eastern Indonesia (Maluku, Papua). WIB unless the person chooses another.
TIME_ZONES = {"Asia/Jakarta": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}
DEFAULT_TIME_ZONE = "Asia/Jakarta"


def parse_time_zone(raw: str) -> str:
    """The zone times are shown in: Asia/Jakarta (WIB), Asia/Makassar (WITA) or Asia/Jayapura (WIT)."""
    zone = raw.strip()
    if zone not in TIME_ZONES:
        raise InvalidProfileData(
            "time_zone must be Asia/Jakarta (WIB), Asia/Makassar (WITA) or Asia/Jayapura (WIT)"
        )
    return zone


def parse_id_number(raw: str) -> str:
    """A KTP number (16 digits) or a passport number (6-9 letters and digits), kept as given."""
    value = raw.strip()
    if not (_KTP.match(value) or _PASSPORT.match(value)):
        raise InvalidProfileData(
            "id_number must be a KTP number (16 digits) or a passport number (6-9 letters and digits)"
        )
    return value


def mask_id_number(id_number: str) -> str:
    """Everything but the last four characters hidden: "3201234567893456" -> "************3456"."""
    hidden = max(len(id_number) - _VISIBLE_ID_CHARS, 0)
    return "*" * hidden + id_number[hidden:]


def check_date_of_birth(value: date, today: date) -> date:
    if value > today:
        raise InvalidProfileData("date_of_birth cannot be in the future")
    if age_on(value, today) > MAX_AGE_YEARS:
        raise InvalidProfileData(f"date_of_birth gives an age over {MAX_AGE_YEARS} years")
    return value


def age_on(born: date, today: date) -> int:
    had_birthday = (today.month, today.day) >= (born.month, born.day)
    return today.year - born.year - (0 if had_birthday else 1)


def _no_control_characters(field: str, value: str) -> None:
    """A name or an address is printed on tickets and emails; a control character (a NUL, which
    PostgreSQL's text cannot even hold) has no place in either."""
    if any((ord(c) < 0x20 and c not in "\t\n\r") or ord(c) == 0x7F for c in value):
        raise InvalidProfileData(f"{field} holds a control character")


def parse_full_name(raw: str) -> str:
    _no_control_characters("full_name", raw)
    name = " ".join(raw.split())
    if not name:
        raise InvalidProfileData("full_name cannot be blank")
    if len(name) > FULL_NAME_MAX:
        raise InvalidProfileData(f"full_name is longer than {FULL_NAME_MAX} characters")
    return name


def parse_address(raw: str) -> str:
    _no_control_characters("address", raw)
    address = raw.strip()
    if not address:
        raise InvalidProfileData("address cannot be blank")
    if len(address) > ADDRESS_MAX:
        raise InvalidProfileData(f"address is longer than {ADDRESS_MAX} characters")
    return address


def parse_email(raw: str) -> str:
    """Emails come from auth-service, which validated them; we store them lower-case so that
    search and comparisons do not depend on how someone typed theirs."""
    email = raw.strip().lower()
    if not email or "@" not in email or len(email) > EMAIL_MAX:
        raise InvalidProfileData("email is not a valid email address")
    return email
