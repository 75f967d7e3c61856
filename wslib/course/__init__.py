"""Classroom tooling for the course: ``python -m wslib.course release | grade | check``.

* :mod:`.release`: student copies of the lessons (stubs, no solutions, check outputs cleared);
* :mod:`.grade` and :mod:`.runner`: run each student's notebook in a fresh kernel, check every
  exercise of :mod:`wslib.exercises.catalog` with the lesson's own check plus :mod:`.hidden`
  cases (:mod:`.kernel` is the part that runs inside the student's kernel);
* :mod:`.report`: grades.csv, summary.md and one feedback file per student.

The teacher's guide, docs/teaching.md, says how to use it and how to add an exercise.
"""
