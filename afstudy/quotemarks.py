"""Quote marks: the quoted spans of a text unit (used by quote finding and by actor
resolution, which keeps the words inside quotes apart from the report's own)."""

from __future__ import annotations

import re

DOUBLE_OPEN, DOUBLE_CLOSE, STRAIGHT_DOUBLE = "“", "”", '"'
SINGLE_OPEN, SINGLE_CLOSE, STRAIGHT_SINGLE = "‘", "’", "'"
GUILLEMET_OPEN, GUILLEMET_CLOSE = "«", "»"
DOUBLE_OPENERS = (DOUBLE_OPEN, STRAIGHT_DOUBLE, GUILLEMET_OPEN)
DOUBLE_CLOSERS = {DOUBLE_OPEN: DOUBLE_CLOSE, STRAIGHT_DOUBLE: STRAIGHT_DOUBLE, GUILLEMET_OPEN: GUILLEMET_CLOSE}  # opening mark -> its own closing mark
ANY_MARK = re.compile("[“\"‘'«]")
DOUBLE_MARK = re.compile("[“”\"«»]")
SINGLE_CLOSING_MARK = re.compile("[’']")
DASHES = ("- ", "– ", "— ")  # a paragraph opening with a dash is a quote ("- We regret … - Lavrov said")


def _is_opening(text: str, i: int) -> bool:
    before = text[i - 1] if i > 0 else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    return (before.isspace() or before in "([—–-/:") and not after.isspace()


def _is_closing(text: str, i: int) -> bool:
    before = text[i - 1] if i > 0 else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    return not before.isspace() and (after.isspace() or after in ".,;:!?)]—–-")


def find_segments(unit_text: str) -> list[tuple[int, int, str, str, bool]]:
    """Quoted spans of one unit: (start, end, open mark, close mark, is_unbalanced).

    Double quotes (curly, straight or guillemets « ») pair at the top level; single quotes pair only
    outside double quotes and never at an apostrophe ("It’s", "Taliban’s"). A quote
    still open at the end of the unit is closed there and flagged unbalanced; a pair of
    different styles (“… ") is flagged too. A unit that opens with a dash is a dash quote
    that runs to the next spaced dash (its attribution follows) or to the unit end.
    """
    if unit_text.startswith(DASHES):
        closing = re.search(r"\s[-–—]\s", unit_text[2:])
        if closing:
            return [(2, 2 + closing.start(), unit_text[:2], unit_text[2 + closing.start() : 2 + closing.end() - 1], False)]
        return [(2, len(unit_text), unit_text[:2], "", False)]
    out = []
    i, n = 0, len(unit_text)
    while i < n:
        mark = ANY_MARK.search(unit_text, i)  # only quote marks can open a segment
        if mark is None:
            break
        i = mark.start()
        ch = unit_text[i]
        if ch in DOUBLE_OPENERS and _is_opening(unit_text, i):
            j = i + 1
            while j < n:
                found = DOUBLE_MARK.search(unit_text, j)
                j = found.start() if found else n
                if j == n or (unit_text[j] in (DOUBLE_CLOSE, STRAIGHT_DOUBLE, GUILLEMET_CLOSE) and _is_closing(unit_text, j)):
                    break
                if unit_text[j] in (DOUBLE_OPEN, GUILLEMET_OPEN) and _is_opening(unit_text, j):
                    break
                j += 1
            if j < n and unit_text[j] in (DOUBLE_CLOSE, STRAIGHT_DOUBLE, GUILLEMET_CLOSE):
                mismatch = unit_text[j] != DOUBLE_CLOSERS[ch]
                out.append((i + 1, j, ch, unit_text[j], mismatch))
                i = j + 1
            else:
                out.append((i + 1, j, ch, "", True))
                i = j
            continue
        if ch in (SINGLE_OPEN, STRAIGHT_SINGLE) and _is_opening(unit_text, i) and unit_text[i + 1 : i + 2].isalnum():
            j = i + 1
            while j < n:
                found = SINGLE_CLOSING_MARK.search(unit_text, j)
                j = found.start() if found else n
                if j == n or _is_closing(unit_text, j):
                    break
                j += 1
            if j < n:
                out.append((i + 1, j, ch, unit_text[j], (ch == SINGLE_OPEN) != (unit_text[j] == SINGLE_CLOSE)))
                i = j + 1
                continue
        i += 1
    return out


def quoted_ranges(text: str) -> list[tuple[int, int]]:
    """Character ranges inside quote marks of a Doc text whose units are joined by blank
    lines (marks included)."""
    out, offset = [], 0
    for unit in text.split("\n\n"):
        out += [(offset + a - len(o), offset + b + len(c)) for a, b, o, c, _ in find_segments(unit)]
        offset += len(unit) + 2
    return out
