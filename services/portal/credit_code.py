"""Unified social credit codes (统一社会信用代码, GB 32100-2015): 18 characters, the last a check character."""

from __future__ import annotations

import re

# The standard's character set: digits and capitals without I, O, Z, S and V.
CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_SHAPE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$")


class InvalidCreditCodeError(ValueError):
    pass


def check_character(first17: str) -> str:
    """The check character of the first 17 characters of a code."""
    total = sum(CHARSET.index(char) * weight for char, weight in zip(first17, WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def normalize_credit_code(text: str) -> str:
    """The code in capitals without spaces; ``InvalidCreditCodeError`` says what is wrong with it."""
    code = text.strip().replace(" ", "").upper()
    if len(code) != 18:
        raise InvalidCreditCodeError(f"a unified social credit code has 18 characters, not {len(code)}")
    if not _SHAPE.match(code):
        raise InvalidCreditCodeError("a unified social credit code uses digits and capitals other than "
                                     "I, O, Z, S, V, with a 6-digit division code in characters 3-8")
    expected = check_character(code[:17])
    if code[17] != expected:
        raise InvalidCreditCodeError(f"the check character is {code[17]}, but the first 17 characters "
                                     f"give {expected}: the code is mistyped")
    return code
