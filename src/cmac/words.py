"""Numbers said in plain words, for readers who do not read statistics: a change as "a rise
of 21 %" or "a fall of 32 %", an interval as "between a fall of 32 % and a rise of 109 %".

The landing page quotes the chapters' estimates with these phrases, so that an interval that
spans no change reads as one, without minus signs or the word "confidence interval".
"""

from __future__ import annotations


def change_words(percent: float, digits: int = 0) -> str:
    """A percentage change as words: ``21.4`` -> "a rise of 21 %", ``-31.9`` -> "a fall of
    32 %", and "no change" when it rounds to zero."""
    size = f"{abs(percent):,.{digits}f}"
    if float(size.replace(",", "")) == 0:
        return "no change"
    return f"a {'rise' if percent > 0 else 'fall'} of {size}\u00a0%"


def change_between(low: float, high: float, digits: int = 0) -> str:
    """A 95 % interval of a percentage change in words: "between a fall of 32 % and a rise of
    109 %"; with both ends on one side, "between a rise of 17 % and 26 %"."""
    if low > high:
        raise ValueError(f"interval ends out of order: {low} > {high}")
    if low > 0 or high < 0:
        word = "rise" if low > 0 else "fall"
        near, far = (low, high) if low > 0 else (high, low)
        return (
            f"between a {word} of {abs(near):,.{digits}f}\u00a0% "
            f"and {abs(far):,.{digits}f}\u00a0%"
        )
    return f"between {change_words(low, digits)} and {change_words(high, digits)}"


def spans_no_change(low: float, high: float) -> bool:
    """Whether an interval of a change includes no change (zero)."""
    return low <= 0 <= high


# Month names as prose writes them.
MONTHS = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]


def month_words(text: str) -> str:
    """A "YYYY-MM" date as prose writes it: ``"2025-03"`` -> "March 2025". Any other text
    (a date printed another way, "2022 (Feb)") is returned as it is."""
    year, _, month = str(text).strip().partition("-")
    if not (len(year) == 4 and year.isascii() and year.isdigit() and len(month) == 2
            and month.isascii() and month.isdigit() and 1 <= int(month) <= 12):
        return str(text)
    return f"{MONTHS[int(month) - 1]} {year}"
