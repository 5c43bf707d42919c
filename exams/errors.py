"""Refusals of the exam module: a Chinese message for the member and the HTTP status it answers with.

Services raise these; ``exams.views.errors`` turns them into a JSON or HTML response
in one place, so no view maps messages to statuses by hand.
"""

from __future__ import annotations


class ExamError(Exception):
    """A refusal with a message for the member (in Chinese); 400 unless a subclass says otherwise."""

    status: int = 400

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        if status is not None:
            self.status = status

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else ""


class AttemptNotFound(ExamError):
    """The attempt is not the requester's own (or does not exist): its existence is not revealed."""

    status = 404

    def __init__(self, message: str = "答卷不存在") -> None:
        super().__init__(message)


class NotInAudience(ExamError):
    """The member is not among the exam's audience."""

    status = 403

    def __init__(self, message: str = "您不在本次考试的参考范围内") -> None:
        super().__init__(message)
