"""The PDF attached to a booking confirmation: one page per printable document (e-ticket,
boarding pass, hotel voucher) with the order number, the booking code, the document's reference
in large type and its fields. fpdf2 with its built-in Helvetica: pure Python, nothing to install
in the image. Helvetica covers Latin-1 only: arrows, dashes and curly quotes are spelled in ASCII,
other characters are replaced, never dropped silently into an exception.

fpdf2 (with Pillow and fontTools behind it, some 40 MiB) is imported when the first PDF is
printed, not when the service starts: most of the time the service only waits for events."""

from __future__ import annotations

from typing import Any

from domain.models import Attachment
from domain.planning import PRINTABLE_KINDS

_LABELS = {
    "id": {"order": "Nomor pesanan", "code": "Kode booking", "title": "E-tiket / Voucher"},
    "en": {"order": "Order number", "code": "Booking code", "title": "E-ticket / Voucher"},
}


# Typographic characters the services write (a flight's route is "CGK → DPS") that Latin-1 lacks,
# spelled as a ticket can print them instead of a "?".
_SPELLED = str.maketrans({"→": "->", "–": "-", "—": "-", "‘": "'", "’": "'", "“": '"', "”": '"', "…": "..."})


def _latin1(text: object) -> str:
    return str(text).translate(_SPELLED).encode("latin-1", "replace").decode("latin-1")


def _paragraph(pdf: Any, height: float, text: str) -> None:
    """`text` on its own line(s): a cell when it fits on one line, else wrapped by multi_cell.
    The same page either way; multi_cell measures every character to find where to break, most
    of what a ticket costs to print, for text that nearly always fits."""
    if "\n" not in text and pdf.get_string_width(text) <= pdf.epw - 2 * pdf.c_margin:
        pdf.cell(0, height, text, new_x="LMARGIN", new_y="NEXT")
    else:
        pdf.multi_cell(0, height, text, new_x="LMARGIN", new_y="NEXT")


class FpdfTicketPrinter:
    def print(self, language: str, context: dict[str, Any]) -> Attachment:
        from fpdf import FPDF  # deferred: see the module docstring

        labels = _LABELS.get(language, _LABELS["id"])
        pdf = FPDF(format="A4")
        # Uncompressed: a few kilobytes more, and the codes stay searchable in the file.
        pdf.set_compression(False)
        pdf.set_title(_latin1(f"TiketQ {context['order_number']}"))
        pdf.set_author("TiketQ")
        for doc in context["documents"]:
            if doc["kind"] not in PRINTABLE_KINDS:
                continue
            pdf.add_page()
            pdf.set_font("Helvetica", "B", 20)
            pdf.cell(0, 12, "TiketQ", new_x="LMARGIN", new_y="NEXT")
            pdf.set_font("Helvetica", "", 11)
            pdf.cell(0, 7, _latin1(labels["title"]), new_x="LMARGIN", new_y="NEXT")
            pdf.ln(4)
            pdf.cell(
                0, 7, _latin1(f"{labels['order']}: {context['order_number']}"), new_x="LMARGIN", new_y="NEXT"
            )
            if context["booking_code"]:
                pdf.cell(
                    0,
                    7,
                    _latin1(f"{labels['code']}: {context['booking_code']}"),
                    new_x="LMARGIN",
                    new_y="NEXT",
                )
            pdf.ln(4)
            pdf.set_font("Helvetica", "B", 14)
            _paragraph(pdf, 8, _latin1(doc["title"]))
            pdf.set_font("Courier", "B", 22)
            pdf.cell(0, 14, _latin1(doc["reference"]), new_x="LMARGIN", new_y="NEXT")
            pdf.set_font("Helvetica", "", 11)
            for name, value in doc["fields"]:
                _paragraph(pdf, 7, _latin1(f"{name.replace('_', ' ')}: {value}"))
        content = bytes(pdf.output())
        return Attachment(f"tiketq-{context['order_number'] or 'booking'}.pdf", "application/pdf", content)
