"""SMS length: a message must fit in two segments, or it arrives in pieces (and costs more).

GSM 03.38 text takes 160 characters in one segment and 153 per segment when concatenated (the
header takes 7); anything outside that alphabet switches the whole message to UCS-2: 70, then
67 per segment.
"""

from __future__ import annotations

_GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# These take two septets each (an escape and the character).
_GSM7_EXTENDED = set("^{}\\[~]|€")
MAX_SEGMENTS = 2


def is_gsm7(text: str) -> bool:
    return all(ch in _GSM7 or ch in _GSM7_EXTENDED for ch in text)


def units(text: str) -> int:
    """Septets for GSM-7 text, UTF-16 code units for anything else."""
    if is_gsm7(text):
        return sum(2 if ch in _GSM7_EXTENDED else 1 for ch in text)
    return len(text.encode("utf-16-le")) // 2


def segments(text: str) -> int:
    single, multi = (160, 153) if is_gsm7(text) else (70, 67)
    length = units(text)
    return 1 if length <= single else -(-length // multi)


def fit(text: str) -> str:
    """One line, at most two segments: whitespace collapsed, cut with an ellipsis if longer."""
    text = " ".join(text.split())
    if segments(text) <= MAX_SEGMENTS:
        return text
    while text and segments(text + "...") > MAX_SEGMENTS:
        text = text[:-1]
    return text.rstrip() + "..."
