"""Study certificates: issuing (``issuing``), PDF rendering (``render``), bulk printing (``printing``).

Certificates are issued automatically when ``learning.signals.course_completed`` or
``exam_passed`` fires (receivers connected in ``receivers``), or by an organizer for
a criterion (``issue_for_criterion``).
"""
