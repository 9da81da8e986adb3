"""The one error type for the maintainer's mistakes, and its formatting.

Anything that a course maintainer can fix by editing content raises `ContentError`;
every other exception is a bug in coursesite and keeps its traceback.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from difflib import get_close_matches


@dataclass(frozen=True, order=True)
class Problem:
    """One problem at one place: `file:line: path: message`."""

    file: str
    line: int
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        text = f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"
        return one_line(text)


def one_line(text: str) -> str:
    """text with control characters and line separators escaped (\\n, \\r, \\x07, \\u2028):
    a key or value the maintainer typed can never split a problem over two lines."""
    return "".join(c.encode("unicode_escape").decode("ascii")
                   if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c for c in text)


class ContentError(Exception):
    """A problem the maintainer can fix; shown without a traceback.

    Built either from a list of `Problem`s (validation) or from one message (output, usage).
    """

    def __init__(self, problems: list[Problem] | str):
        if isinstance(problems, str):
            self.problems: list[Problem] = []
            self.text = problems
        else:
            self.problems = sorted(set(problems), key=_problem_order)
            self.text = ""
        super().__init__(self.report())

    def report(self) -> str:
        """Every problem on its own line, then a count (the one place errors are formatted)."""
        if not self.problems:
            return self.text
        lines = [str(p) for p in self.problems]
        n = len(self.problems)
        lines.append(f"{n} problem{'s' if n != 1 else ''} found; nothing was written.")
        return "\n".join(lines)


def _problem_order(p: Problem) -> tuple:
    return (p.file, p.line, p.path, p.message)


def did_you_mean(word: str, choices) -> str:
    """A ' (did you mean X?)' hint for the closest choice, or '' when nothing is close."""
    close = get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def closest(word: str, choices, n: int = 3) -> list[str]:
    """Up to n choices closest to word, best first (for unknown ids)."""
    return get_close_matches(word, sorted(choices), n=n, cutoff=0.3)
