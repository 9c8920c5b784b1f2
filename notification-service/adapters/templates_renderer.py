"""Messages from jinja2 templates (adapters/templates/<language>/<kind>.*): subject, plain text and
HTML for email, one short text for SMS. HTML is autoescaped (an order's names and a supplier's
words are data, never markup); a missing variable is an error, not an empty string."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from domain.models import DEFAULT_LANGUAGE, LANGUAGES, Channel, Kind, Rendered
from domain.sms import fit

TEMPLATES = Path(__file__).resolve().parent / "templates"


class TemplateRenderer:
    def __init__(self, directory: Path = TEMPLATES) -> None:
        self._env = Environment(
            loader=FileSystemLoader(directory),
            autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
            undefined=StrictUndefined,
            keep_trailing_newline=True,
            auto_reload=False,  # compiled once per process: no stat of the file per message
        )

    def render(self, kind: Kind, channel: Channel, language: str, context: dict[str, Any]) -> Rendered:
        lang = language if language in LANGUAGES else DEFAULT_LANGUAGE
        if channel is Channel.SMS:
            return Rendered(
                subject=None, text=fit(self._env.get_template(f"{lang}/{kind}.sms.txt").render(context))
            )
        subject = " ".join(self._env.get_template(f"{lang}/{kind}.subject.txt").render(context).split())
        text = self._env.get_template(f"{lang}/{kind}.txt").render(context)
        html = self._env.get_template(f"{lang}/{kind}.html").render({**context, "subject": subject})
        return Rendered(subject=subject, text=text, html=html)
