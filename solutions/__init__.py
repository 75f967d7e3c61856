"""Reference solutions of the lessons' exercises, one module per lesson (teachers: these pass
every check in ``wslib.exercises``; ``tests/test_exercises_*.py`` proves it). Importable as
``solutions.lesson02`` from the repository root (pytest puts the root on ``sys.path``)."""
