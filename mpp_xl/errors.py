"""The one error type a user may see: a single line that says what is wrong and where."""

import difflib
import re


MAX_WORD = 120  # a value echoed in a message is cut beyond this (a cell holds at most 32,767 characters)
MAX_MESSAGE = 2000


def _short(word: str) -> str:
    """A long word cut to its first 60 characters and '...', keeping its closing punctuation (a quote, a colon)."""
    if len(word) <= MAX_WORD:
        return word
    tail = re.search(r"[^\w]{0,3}$", word).group(0)
    return f"{word[:60]}...{tail}"


class MppError(Exception):
    """A problem with user input or configuration; its message is one line meant for the user. A long value the
    user gave is echoed in part (the line stays readable, and fits a cell)."""

    def __init__(self, message: str):
        text = " ".join(_short(word) for word in str(message).split())
        if len(text) > MAX_MESSAGE:
            text = text[:MAX_MESSAGE - 4] + " ..."
        super().__init__(text)


def did_you_mean(word: str, choices) -> str:
    """Return ' (did you mean 'x'?)' for the closest choice, or '' when nothing is close."""
    match = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{match[0]}'?)" if match else ""
