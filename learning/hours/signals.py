"""Events other parts of `learning` react to (e.g. certificates issued on completion).

Senders call ``send`` only after the completion and its ledger entry are committed
(``transaction.on_commit``), so receivers never see a rolled-back achievement.

- ``course_completed``: kwargs ``member``, ``course`` (the CoursePage), ``completed_at``.
- ``exam_passed``: kwargs ``member``, ``exam`` (the exam page), ``attempt``, ``score``, ``passed_at``.
"""

from django.dispatch import Signal

course_completed = Signal()
exam_passed = Signal()
