"""The one error every importer raises for input it cannot accept."""

from __future__ import annotations


class InvalidReportError(ValueError):
    """A report that is not valid JSON, not the expected format, or badly typed.

    ``location`` says where: a JSON pointer such as ``/runs/0/results/12`` for a
    structural problem, or ``line 3, column 7 (byte 41)`` for malformed JSON.
    """

    def __init__(self, message: str, location: str = "") -> None:
        super().__init__(message, location)
        self.message = message
        self.location = location

    def __str__(self) -> str:
        if not self.location:
            return self.message
        return f"{self.message} (at {self.location})"
