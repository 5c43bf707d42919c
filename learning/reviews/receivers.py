"""What reviews plugs into at start-up: the study record, the evaluation indicators, and the log filter."""

from __future__ import annotations

import logging

# The tables whose statements must never reach a log: with DEBUG on, django.db.backends logs
# every SQL statement with its parameters, and a ballot's INSERT next to its receipt's would
# name the voter beside the grades.
SECRET_TABLES = ("reviews_ballot", "reviews_ballotmark", "reviews_voterreceipt")


class BallotSqlFilter(logging.Filter):
    """Drops log records of SQL statements touching the ballot tables."""

    def filter(self, record: logging.LogRecord) -> bool:
        sql = getattr(record, "sql", None)
        text = sql if isinstance(sql, str) else ""
        if not text:
            try:
                text = record.getMessage()
            except Exception:  # a broken record is not ours to judge
                return True
        return not any(table in text for table in SECRET_TABLES)


BALLOT_SQL_FILTER = BallotSqlFilter()


def connect() -> None:
    from learning.hours.record import register_record_section
    from learning.reviews import indicators  # noqa: F401  (registers the indicators)
    from learning.reviews.record import SECTION_KEY, review_lines

    register_record_section(SECTION_KEY, "民主评议", review_lines)
    db_logger = logging.getLogger("django.db.backends")
    if BALLOT_SQL_FILTER not in db_logger.filters:
        db_logger.addFilter(BALLOT_SQL_FILTER)
