"""gettext for the UI. Vietnamese is the source language of every template string; English is a catalogue.

The catalogues are plain ``.po`` files, compiled in memory at start-up, so there is no build step and no binary
file in the repository.
"""

from __future__ import annotations

import io
from functools import lru_cache
from importlib import resources

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LANGUAGES = ("vi", "en")


@lru_cache
def translations(lang: str) -> NullTranslations:
    if lang == "vi" or lang not in LANGUAGES:
        return NullTranslations()
    po_file = resources.files("motcua.web").joinpath("locale", lang, "LC_MESSAGES", "messages.po")
    with po_file.open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)


def gettext(lang: str, message: str) -> str:
    return translations(lang).gettext(message)
