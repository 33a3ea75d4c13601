"""The hall's voice: "Mời số hát tê mười hai đến quầy số hai", rendered on the server by Debian's espeak-ng with its
Vietnamese voice (offline: no speech service on the internet), cached on disk by the text's digest.

How a number is read: the way a caller at the centre reads it aloud — the field's letters by their Vietnamese names
(H "hát", T "tê", C "xê", D "dê", B "bê", K "ca") and then the number as a number, without its leading zeros
("HT-012" → "hát tê mười hai", "HT-1023" → "hát tê một nghìn không trăm hai mươi ba"); the counter as a number
("quầy số hai"). Spelling digit by digit ("không một hai") was tried and is slower to listen to and easier to
mishear in a noisy hall. Without espeak-ng the display still works, silently, and says that the voice is off.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

#: espeak-ng's Vietnamese (northern) voice, a little slower than its default 175 words a minute: a hall is noisy.
VOICE = ("-v", "vi", "-s", "135", "-g", "4")
LETTERS = {"A": "a", "B": "bê", "C": "xê", "D": "dê", "Đ": "đê", "E": "e", "G": "giê", "H": "hát", "I": "i",
           "K": "ca", "L": "e lờ", "M": "em mờ", "N": "en nờ", "O": "o", "P": "pê", "Q": "quy", "R": "e rờ",
           "S": "ét xì", "T": "tê", "U": "u", "V": "vê", "X": "ích xì", "Y": "i dài"}
DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")


def _below_thousand(n: int, *, full: bool) -> list[str]:
    """0 < n < 1000; ``full``: inside a larger number, so "không trăm" and "linh" are said."""
    hundreds, rest = divmod(n, 100)
    tens, units = divmod(rest, 10)
    words: list[str] = []
    if hundreds or full:
        words += [DIGITS[hundreds], "trăm"]
    if tens == 0:
        if units and words:
            words.append("linh")
    elif tens == 1:
        words.append("mười")
    else:
        words += [DIGITS[tens], "mươi"]
    if units:
        if units == 1 and tens > 1:
            words.append("mốt")
        elif units == 5 and tens > 0:
            words.append("lăm")
        elif units == 4 and tens > 1:
            words.append("tư")
        else:
            words.append(DIGITS[units])
    return words


def spoken_number(n: int) -> str:
    """A number from 0 to 999,999 in Vietnamese words, as said in the north ("hai mươi mốt", "một trăm linh năm",
    "một nghìn không trăm hai mươi ba")."""
    if not 0 <= n < 1_000_000:
        raise ValueError(n)
    if n == 0:
        return DIGITS[0]
    thousands, rest = divmod(n, 1000)
    words: list[str] = []
    if thousands:
        words += [*_below_thousand(thousands, full=False), "nghìn"]
    if rest:
        words += _below_thousand(rest, full=bool(thousands))
    return " ".join(words)


def spoken_ticket(number: str) -> str:
    """"HT-012" → "hát tê mười hai"."""
    prefix, _, digits = number.partition("-")
    letters = [LETTERS.get(ch, ch.lower()) for ch in prefix.upper() if ch.isalpha()]
    return " ".join([*letters, spoken_number(int(digits))]) if digits.isdigit() else " ".join(letters)


def call_text(number: str, counter: int) -> str:
    """What the hall hears when a number is called."""
    return f"Mời số {spoken_ticket(number)} đến quầy số {spoken_number(counter)}."


def engine() -> str | None:
    """The espeak-ng program, or None when it is not installed (the display is then silent)."""
    return shutil.which("espeak-ng")


def render_wav(text: str, cache_dir: Path) -> Path | None:
    """The WAV file saying ``text``, rendered once and kept under ``cache_dir`` by the digest of the text and the
    voice; None without espeak-ng or when it fails."""
    program = engine()
    if program is None:
        return None
    key = hashlib.sha256("\n".join([*VOICE, text]).encode()).hexdigest()
    path = cache_dir / f"{key}.wav"
    if path.is_file() and path.stat().st_size > 44:
        return path
    cache_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=cache_dir, suffix=".tmp")
    os.close(fd)
    try:
        # The text is one argument (no shell), built from a ticket number and a counter number only.
        subprocess.run([program, *VOICE, "-w", tmp, text], check=True, timeout=20,  # noqa: S603
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if Path(tmp).stat().st_size <= 44:  # a header and no sound
            return None
        os.replace(tmp, path)  # atomic: two displays asking at once never read half a file
        return path
    except (OSError, subprocess.SubprocessError):
        return None
    finally:
        Path(tmp).unlink(missing_ok=True)
