"""Views of the exam module: ``member`` (taking exams, results, 错题本) and ``manage`` (banks,
grading, statistics). Both are thin: services do the work, exams.scoping chooses the data,
and ``errors`` turns every ``ExamError`` into a response with its HTTP status."""
