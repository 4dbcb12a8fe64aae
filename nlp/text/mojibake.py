"""Chinese text that lost one byte of a GBK character: everything after it reads one byte off.

Seed 003 shows the shape ("錢掛鉤?蛻艟W(wǎng)中", "增值?蛻絷P(guān)系"): a copy from a GBK page
dropped the first byte of 客 (BF CD) and left "?", so each following pair of bytes straddles
two characters (CD 91 -> 蛻, F4 BE -> 艟) until an ASCII byte (W, P) lines them up again.
ftfy repairs text decoded with the wrong codec, not text whose bytes slipped, so it leaves
this. Re-encoding the run as GBK and dropping the lost character's orphan trail byte gives
the text back ("?戶網"); the lost character itself cannot be known and stays "?".

A slipped run is recognized by how rare its characters are, with no frequency file: it holds
a character outside both standards' common tiers (GB2312 level 1, Big5 level 1), and the
repair holds none. Genuine text after a question mark ("?客戶是否主動") is left alone: it has
no rare character, or its bytes do not pair up into GBK again, or the pairing is rare.
"""

from __future__ import annotations

import re
from functools import cache

# a question mark, then Han characters, then possibly one ASCII letter or symbol that is the
# last slipped trail byte (GBK trail bytes 0x40-0x7E read as ASCII)
_SLIPPED_RUN = re.compile(r"\?([\u4e00-\u9fff]+[\x40-\x7e]?)")
_GB2312_LEVEL_1_LEADS = range(0xB0, 0xD8)
_BIG5_LEVEL_1 = range(0xA440, 0xC67F)


@cache
def is_common_han(char: str) -> bool:
    """In GB2312 level 1 (3,755 everyday Simplified characters) or Big5 level 1 (5,401
    everyday Traditional ones)."""
    try:
        if char.encode("gb2312")[0] in _GB2312_LEVEL_1_LEADS:
            return True
    except UnicodeEncodeError:
        pass
    try:
        return int.from_bytes(char.encode("big5"), "big") in _BIG5_LEVEL_1
    except UnicodeEncodeError:
        return False


def _realigned(run: str) -> str | None:
    """The run read one byte later, or None when that is not clean, everyday GBK text."""
    try:
        repaired = run.encode("gbk")[1:].decode("gbk")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return None
    han = [c for c in repaired if "\u4e00" <= c <= "\u9fff"]
    return repaired if han and all(map(is_common_han, han)) else None


def repair_slipped_gbk(text: str) -> str:
    """ "掛鉤?蛻艟W(wǎng)中" -> "掛鉤?戶網(wǎng)中"; text without such a run is returned unchanged."""
    if "?" not in text:
        return text

    def repair(match: re.Match[str]) -> str:
        run = match.group(1)
        if all(is_common_han(c) for c in run if "\u4e00" <= c <= "\u9fff"):
            return match.group(0)
        repaired = _realigned(run)
        return match.group(0) if repaired is None else "?" + repaired

    return _SLIPPED_RUN.sub(repair, text)
