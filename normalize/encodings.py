"""Legacy 8-bit Vietnamese encodings: TCVN3 (ABC), VNI-Windows, VISCII, Windows-1258.

Two cases: bytes that are not UTF-8 (old .txt files) and text that was decoded with the wrong code page
already (PDF text layers drawn with .VnTime or VNI fonts read as Latin-1: 'Céng hoµ x· héi'). Each candidate
decoding is scored by how Vietnamese its words look; the best one wins only when it is clearly better, and a
close call is reported instead of being guessed silently."""
from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Optional

from chitieu.schemas.model import Edit

TABLES = Path(__file__).with_name("data") / "legacy_encodings.json"

WORD = re.compile(r"[^\W\d_]+")
# A decoding must make at least this share of words valid Vietnamese to be taken at all …
MIN_VALID = 0.85
# … and beat the runner-up by this much to be taken without a warning.
CLEAR_MARGIN = 0.05

# VNI-Windows writes a vowel followed by a mark character; these are the marks (cp1252 letters) by role.
_VNI_TONES = {"ù": "\u0301", "ø": "\u0300", "û": "\u0309", "õ": "\u0303", "ï": "\u0323"}
_VNI_CIRC = {"â": "", "á": "\u0301", "à": "\u0300", "å": "\u0309", "ã": "\u0303", "ä": "\u0323"}
_VNI_BREVE = {"ê": "", "é": "\u0301", "è": "\u0300", "ú": "\u0309", "ü": "\u0303", "ë": "\u0323"}
_VNI_SINGLE = {"ô": "ơ", "ö": "ư", "ñ": "đ", "ó": "ĩ", "ò": "ị", "æ": "ỉ", "î": "ỵ"}
# One pass: a vowel with its mark, or a letter VNI writes as a single character; pairs win where both fit.
VNI_TOKEN = re.compile(r"([aeiouyAEIOUYôöÔÖ])([ùøûõïâáàåãäêéèúüëÙØÛÕÏÂÁÀÅÃÄÊÉÈÚÜË])|([ôöñóòæîÔÖÑÓÒÆÎ])")
_TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"
# Vietnamese syllable structure without its tone: onset, rhyme (vowel cluster), coda.
SYLLABLE = re.compile(
    r"^(ngh|ng|gh|gi|kh|nh|ph|th|tr|ch|qu|[bcdđghklmnpqrstvx])?"
    r"(uyê|uya|uyu|uây|uôi|ươi|ươu|oai|oao|oay|oeo|iêu|yêu|"
    r"ai|ao|au|ay|âu|ây|eo|êu|ia|iê|iu|oa|oă|oe|oi|ôi|ơi|ua|uâ|uê|ui|uô|uơ|ưa|ưi|ươ|ưu|uy|yê|"
    r"[aăâeêioôơuưy])"
    r"(ch|ng|nh|[cmnpt])?$")


@dataclass
class Decoded:
    text: str
    encoding: str
    score: float
    warning: Optional[str] = None


@lru_cache(maxsize=1)
def _tables() -> dict[str, dict[int, str]]:
    raw = json.loads(TABLES.read_text(encoding="utf-8"))
    return {name: {int(k, 16): v for k, v in raw[name].items()} for name in ("tcvn3", "viscii")}


def is_syllable(word: str) -> bool:
    """True when a lower-case word is a well-formed Vietnamese syllable (at most one tone mark)."""
    decomposed = unicodedata.normalize("NFD", word)
    tones = sum(1 for c in decomposed if c in _TONE_MARKS)
    if tones > 1:
        return False
    bare = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in _TONE_MARKS))
    return bool(SYLLABLE.match(bare))


def vietnamese_score(text: str) -> tuple[float, int]:
    """(share of non-ASCII words that are well-formed Vietnamese syllables, number of such words).

    Only words with non-ASCII letters count: they are the ones a wrong code page garbles."""
    words = [w for w in WORD.findall(text.lower()) if not w.isascii()]
    if not words:
        return 0.0, 0
    valid = sum(1 for w in words if is_syllable(w))
    return valid / len(words), valid


def _by_table(data: bytes, name: str) -> str:
    table = _tables()[name]
    return "".join(table.get(b, chr(b)) for b in data)


def vni_to_unicode(text: str) -> str:
    """Convert VNI-Windows text read as cp1252 ('Vieät Nam') to Unicode ('Việt Nam')."""
    def pair(m: re.Match) -> str:
        if m.group(3):
            single = _VNI_SINGLE[m.group(3).lower()]
            return single.upper() if m.group(3).isupper() else single
        base, mark = m.group(1), m.group(2)
        upper = base.isupper()
        b, k = base.lower(), mark.lower()
        if b in "ôö":
            b = _VNI_SINGLE[b]
            combining = _VNI_TONES.get(k)
            if combining is None:  # 'ô' then a circumflex/breve mark: not a pair, convert the letter alone
                return (b.upper() if upper else b) + mark
        elif k in _VNI_TONES:
            combining = _VNI_TONES[k]
        elif k in _VNI_CIRC and b in "aeo":
            b, combining = {"a": "â", "e": "ê", "o": "ô"}[b], _VNI_CIRC[k]
        elif k in _VNI_BREVE and b == "a":
            b, combining = "ă", _VNI_BREVE[k]
        else:
            return m.group(0)
        out = unicodedata.normalize("NFC", b + combining)
        return out.upper() if upper else out
    return VNI_TOKEN.sub(pair, text)


def _candidates_from_bytes(data: bytes) -> list[tuple[str, str]]:
    out = []
    try:
        out.append(("Windows-1258", unicodedata.normalize("NFC", data.decode("cp1258"))))
    except UnicodeDecodeError:
        pass
    out.append(("TCVN3 (ABC)", unicodedata.normalize("NFC", _by_table(data, "tcvn3"))))
    out.append(("VISCII", _by_table(data, "viscii")))
    out.append(("VNI-Windows", vni_to_unicode(data.decode("cp1252", errors="replace"))))
    return out


def _pick(candidates: list[tuple[str, str]]) -> Optional[Decoded]:
    scored = sorted(((vietnamese_score(t), name, t) for name, t in candidates), key=lambda x: (x[0][0], x[0][1]),
                    reverse=True)
    (best_score, best_special), name, text = scored[0]
    if best_score < MIN_VALID or best_special == 0:
        return None
    warning = None
    if len(scored) > 1:
        (second, second_special), second_name, _ = scored[1]
        if best_score - second < CLEAR_MARGIN and second_special > 0:
            warning = (f"unsure of the legacy encoding: {name} ({best_score:.0%} Vietnamese words) was taken over "
                       f"{second_name} ({second:.0%}); check the text")
    return Decoded(text, name, best_score, warning)


def decode_legacy(data: bytes) -> Optional[Decoded]:
    """Decode bytes that are not UTF-8 as the legacy Vietnamese encoding they most look like, or None."""
    return _pick(_candidates_from_bytes(data))


def _as_bytes(text: str) -> Optional[bytes]:
    try:
        return text.encode("cp1252")
    except UnicodeEncodeError:
        try:
            return text.encode("latin-1")
        except UnicodeEncodeError:
            return None


def fix_mojibake(text: str) -> Optional[Decoded]:
    """Detect text decoded with the wrong code page (legacy font mojibake) and convert it, or None."""
    raw = _as_bytes(text)
    if raw is None or not any(b >= 0x80 for b in raw):
        return None  # already real Unicode Vietnamese (or plain ASCII): nothing to convert
    before, _ = vietnamese_score(text)
    decoded = _pick(_candidates_from_bytes(raw))
    if decoded is None or decoded.score <= before + CLEAR_MARGIN:
        return None
    return decoded


def mojibake_edit(original: str, fixed: Decoded) -> Edit:
    return Edit(0, len(original), original, fixed.text, f"legacy-encoding:{fixed.encoding}", round(fixed.score, 3))


def convert_mojibake(text: str, encoding: str) -> str:
    """Convert one string of legacy-font mojibake with an encoding already chosen for its document."""
    raw = _as_bytes(text)
    if raw is None or not any(b >= 0x80 for b in raw):
        return text
    for name, converted in _candidates_from_bytes(raw):
        if name == encoding:
            return converted
    return text
