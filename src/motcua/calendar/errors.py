"""Typed errors of the working-day calendar and the legal clock.

Every error is a ``ValueError`` (bad input, never a wrong date) carrying a Vietnamese ``message`` for the
person in front of the screen and an English ``str()`` for logs. They are deliberately independent of
``motcua.kit.errors`` so this package stays pure; the application maps ``CalendarError`` subclasses onto
``MotcuaError`` by ``code``.
"""

from __future__ import annotations


class CalendarError(ValueError):
    """Root of every calendar/clock error."""

    code = "calendar_error"

    def __init__(self, english: str, message: str) -> None:
        super().__init__(english)
        self.english = english
        self.message = message


class CalendarRangeError(CalendarError):
    """A date (given or computed) lies outside the years the calendar was built for.

    Holidays and announced swaps are only known for a bounded range; answering outside it would be a guess.
    """

    code = "calendar_out_of_range"


class InvalidAnnouncement(CalendarError):
    """An announcement record is malformed (unknown kind or scope, missing document)."""

    code = "invalid_announcement"


class AnnouncementConflict(CalendarError):
    """Announcements contradict each other or the statutory calendar (Labour Code 2019 Art. 111–112)."""

    code = "announcement_conflict"


class InvalidWorkingHours(CalendarError):
    """Working or opening hours that overlap, are empty or run backwards."""

    code = "invalid_working_hours"


class InvalidTimeLimit(CalendarError):
    """A procedure time limit (thời hạn giải quyết) that cannot be counted."""

    code = "invalid_time_limit"


class NegativeTimeLimit(InvalidTimeLimit):
    code = "negative_time_limit"


class UnknownTimeUnit(InvalidTimeLimit):
    code = "unknown_time_unit"


class NaiveDatetimeError(CalendarError):
    """A datetime without a time zone: its instant is ambiguous (house rule 5: store UTC, show UTC+7)."""

    code = "naive_datetime"


class LedgerError(CalendarError):
    """An event that the dossier's clock ledger cannot accept."""

    code = "ledger_error"


class LedgerOrderError(LedgerError):
    """Events out of time order or out of sequence (e.g. resume without a pause)."""

    code = "ledger_order"


class ExtensionAlreadyUsed(LedgerError):
    """Decree 118/2025 Art. 19(6): the due date may be moved only once (chỉ được gia hạn một lần)."""

    code = "extension_already_used"


class ExtensionTooLate(LedgerError):
    """Decree 118/2025 Art. 19(6): the apology and new date must come at least one day before the due date."""

    code = "extension_too_late"


class InvalidExtension(LedgerError):
    """A proposed new due date that is not later than the current one."""

    code = "invalid_extension"


class UnknownStep(LedgerError):
    """A hand-over to a step that is not in the procedure's internal process (quy trình nội bộ)."""

    code = "unknown_step"


class InvalidDates(CalendarError):
    """Not a calendar date where one is required (e.g. a datetime, whose date depends on a time zone)."""

    code = "invalid_dates"
