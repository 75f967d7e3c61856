"""Self-checks for the exercises in the lessons.

Each lesson has a module here (``wslib.exercises.lesson02`` for lesson 02, ...) whose functions
take the learner's answer, run it against a few cases, and return a :class:`Report`. The report
shows as plain text in the notebook: which checks passed, and for each that failed what differs
and a hint.

A check is a teacher, not a judge. The framework does the parts every lesson shares:

* **Not attempted** is only the untouched stub, recognised from the stub itself: a function whose
  body (after its docstring) is only ``raise NotImplementedError`` (comments do not matter),
  ``pass`` or ``...`` (:func:`is_stub`, read from the source with :mod:`ast`, which works for a
  function defined in a notebook cell, or from the code object when there is no source), or an
  answer that is still the ``...`` placeholder in every case (a dict of answers such as
  ``{"A": ..., "B": ...}``). A function that has code in it and raises NotImplementedError is
  an attempt: its line says so.
* **A function that returns None** is told "returned None: did you forget `return`?".
* **Type mistakes are named in one place** (:func:`type_mistake`): a list where bytes are
  expected, ``"1009"`` where an int is expected, ``"0x1"`` where a number is expected, a bool
  where an int is expected (and the other way round), bytes where a str is expected, a
  generator where a list is expected, a coroutine (a missing ``await``). The default comparison
  is strict about these (``True`` is not accepted for ``1``), and the same names appear inside
  containers ("item 0: '101', a str; an int is expected").
* **The expected answer of a failing case is never shown.** The default detail
  (:func:`what_differs`) says what the learner returned and where it differs (which byte, which
  key, which item, how many bytes or items) without printing the expected value.
* **Constraints** a lesson states ("do not call wslib.mask") are checked with :class:`Forbid`:
  every call of the forbidden functions during the learner's code is seen (through a profile
  hook, so an alias imported under another name is caught too, and so is a call made through
  another wslib function), and the report gets a failed line naming it.
* **A check never raises**: an exception inside the learner's code becomes a failed line that
  names it (and its line number).

Reading a report (teachers, graders)
------------------------------------
``report.status`` is one of ``"passed"``, ``"failed"``, ``"not_attempted"``;
``report.passed`` (bool), ``report.score`` (checks passed, checks run), ``report.attempted``,
``report.results`` (one :class:`Result` per line: ``name``, ``passed``, ``detail``, ``hint``),
``report.failed`` (the failed results) and ``report.hints`` (the hints of the failed lines, in
order, without repeats).

Writing a check
---------------
Describe each call of the learner's function as a :class:`Case` and hand the list to
:func:`check_function`. It runs the loop every check needs (spot the stub, call the function,
turn an exception into a failed line, compare, add the line and its hint)::

    def check_double(func: Callable[[int], int] | None) -> Report:
        # Exercise 9.1: func(n) returns 2 * n.
        return check_function("Exercise 9.1 - double", func, [
            Case("double a positive number", (2,), 4, hint="multiply by 2"),
            Case("double a negative number", (-3,), -6, hint="negative numbers double too"),
        ], stub_hint=FINISH)

When ``==`` (strict about types, see above) and a fixed hint are not enough:

* ``Case(..., compare=f)``: ``f(got, expected)`` returns True when the answer is right, or
  ``(ok, detail)`` when the default detail would not explain the mistake. A compare runs first;
  when it says "wrong", a conversion slip (:func:`type_mistake`: ``"1009"`` for 1009, a list of
  ints for bytes, ...) still takes precedence over its detail, so a compare may accept more than
  ``==`` does (1 for True, a tuple for a list) without having to name wrong types itself; for a
  whole other kind of answer (a list where an int is expected) its own detail is kept;
* ``Case(..., hint=f)``: ``f(got)`` returns the hint for a wrong answer: the name of the mistake
  this answer matches. It gets ``None`` when the learner's code raised. For a hint that also
  needs the case's data use ``functools.partial`` (see ``lesson01`` and ``lesson02``);
* ``check_function(..., stub_hint=, crash_hint=)``: the hint for a case that raises
  NotImplementedError in a function that is not the bare stub (the lessons use :data:`FINISH`),
  and for learner code that raises (default for both: the case's own hint); ``crash_hint`` may
  be ``f(exception)`` to name the mistake an exception shows (empty: the case's hint);
* ``check_function(..., forbid=[Forbid("wslib.mask", [wslib.mask, ...], hint)])``: a
  constraint; ``watch_calls(forbid)`` is the same as a context manager for a hand-written loop.

To get the answer some other way (awaiting an ``async`` function: ``lesson00.check_echo_once``)
loop over the cases yourself: :func:`is_stub` first, then give each answer to
:func:`judge_answer`, the per-case half of check_function. A dict of answers (a quiz:
``lesson05.check_close_codes``) goes to :func:`check_answers`. Anything else gets a hand-built
Report filled with ``report.add(...)``.

How to write a check for a new lesson
-------------------------------------
The rules above, in practice:

1. Write the stub in the notebook as ``raise NotImplementedError  # your code here`` (or a dict
   of ``...`` answers): then "not attempted" needs nothing from you (for an ``async def`` check
   that loops by itself, call :func:`is_stub` first, as ``lesson00.check_echo_once`` does).
2. Name cases by the situation, never by the answer: "a 126-byte payload", not
   "126 bytes gives 7e 00 7e". A hint guides toward the rule (and cites the RFC section); it
   never contains the expected value of its case. A quiz's question is the case name; its hint
   says what to think about, not which answer is right.
3. Make hints follow the mistake: a ``hint=f`` that recognises each classic wrong answer by its
   value (the high nibble instead of the low one, little-endian instead of big-endian, FIN
   missing) and says what was done and what the rule is. When it does not recognise the answer,
   return a general pointer to the rule: the default detail already says what differs. Return
   ``""`` for an answer of the wrong type: the framework's fix for it ("without quotes",
   ``bytes(your_list)``) is then shown.
4. In a custom ``compare``, say what differs with :func:`what_differs` (or field by field in
   your own words), never with the expected value.
5. State constraints in the lesson and check them with :class:`Forbid`.
6. Test, in ``tests/test_exercises_lessonNN.py``: the reference solution (``solutions/``) passes
   every check; the stub, exactly as the notebook holds it, is not attempted
   (``notebook_answer`` in ``tests/notebook_stubs.py`` runs its cell as a kernel would); each
   known wrong answer gets ITS diagnosis (assert on the words of the hint, not just on a
   failure); no failing line shows an expected value (``leaks`` in
   ``tests/test_exercises_framework.py`` shows how).
7. Re-execute the notebook: the committed check cells, run on the untouched stubs, show
   "not attempted yet".
"""

from __future__ import annotations

import ast
import dis
import inspect
import math
import sys
import textwrap
import traceback
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator

__all__ = ["Report", "Result", "Case", "Forbid", "check_function", "check_answers", "judge_answer",
           "is_stub", "type_mistake", "what_differs", "same_answer", "watch_calls",
           "NotAttempted", "FINISH", "NO_RETURN", "PLACEHOLDER"]

# The usual stub_hint: a function with code in it still raises NotImplementedError on a case.
FINISH = "finish the function, and remove the `raise NotImplementedError` line once it returns"
NO_RETURN = "returned None: did you forget `return`?"
PLACEHOLDER = "still `...`: not answered yet"


class NotAttempted(Exception):
    """Raised inside a check when the learner's answer is still the stub."""


@dataclass
class Result:
    name: str
    passed: bool
    detail: str = ""  # what went wrong (empty when passed)
    hint: str = ""  # what to look at (shown when failed)


@dataclass
class Report:
    """The outcome of one exercise's checks. ``repr()`` is the text a learner sees."""

    title: str
    results: list[Result] = field(default_factory=list)
    attempted: bool = True

    @property
    def passed(self) -> bool:
        """True when the answer was attempted and every check passed."""
        return self.attempted and bool(self.results) and all(r.passed for r in self.results)

    @property
    def status(self) -> str:
        """``"passed"``, ``"failed"`` or ``"not_attempted"`` (for graders)."""
        if not self.attempted:
            return "not_attempted"
        return "passed" if self.passed else "failed"

    @property
    def score(self) -> tuple[int, int]:
        """(checks passed, checks run)."""
        return sum(r.passed for r in self.results), len(self.results)

    @property
    def failed(self) -> list[Result]:
        """The results that did not pass."""
        return [r for r in self.results if not r.passed]

    @property
    def hints(self) -> list[str]:
        """The hints of the failed lines, in order, each once."""
        return list(dict.fromkeys(r.hint for r in self.failed if r.hint))

    def add(self, name: str, passed: bool, detail: str = "", hint: str = "") -> bool:
        self.results.append(Result(name, bool(passed), detail, hint))
        return bool(passed)

    def __repr__(self) -> str:
        if not self.attempted:
            return (f"{self.title}: not attempted yet\n"
                    "  Fill in the cell above, run it, then run this cell again.")
        good, total = self.score
        verdict = "all checks passed" if self.passed else f"{good}/{total} checks passed"
        lines = [f"{self.title}: {verdict}"]
        for r in self.results:
            lines.append(f"  {'✓' if r.passed else '✗'} {r.name}")
            if not r.passed:
                if r.detail:
                    lines.append(f"      {r.detail}")
                if r.hint:
                    lines.append(f"      hint: {r.hint}")
        return "\n".join(lines)

    # IPython shows _repr_pretty_ when the report is a cell's last expression.
    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(repr(self))


# ------------------------------------------------------------------ values: kinds and differences

def _short(value: Any, limit: int = 80) -> str:
    try:
        text = repr(value)
    except Exception:
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


_BYTES = (bytes, bytearray, memoryview)


def _kind(value: Any) -> str:
    """The kind of value, as the lessons talk about it."""
    if value is None:
        return "None"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, _BYTES):
        return "bytes"
    if isinstance(value, str):
        return "str"
    if isinstance(value, (list, tuple)):
        return "sequence"
    if isinstance(value, dict):
        return "dict"
    return type(value).__name__


_A = {"int": "an int", "float": "a float", "bool": "a bool (True or False)", "bytes": "bytes",
      "str": "a str", "sequence": "a list", "dict": "a dict", "None": "None"}


def _a(kind: str, value: Any = None) -> str:
    if kind == "sequence" and isinstance(value, tuple):
        return "a tuple"
    return _A.get(kind, f"a {kind}")


def _number_text(text: str) -> int | float | None:
    """The number a str spells ('1009', '0x1', ' 12 ', '2.5'), or None."""
    try:
        return int(text.strip(), 0)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return None


def type_mistake(got: Any, expected: Any) -> tuple[str, str] | None:
    """``(detail, hint)`` when ``got`` is the wrong kind of value for ``expected``, else None.

    The one place that names type mistakes; the default comparison and :func:`what_differs`
    use it, so every lesson names them the same way. Never shows ``expected``.
    """
    mistake = _type_mistake(got, expected)
    return None if mistake is None else (mistake[0], mistake[1].lstrip(_ANOTHER_KIND))


def _type_mistake(got: Any, expected: Any) -> tuple[str, str] | None:
    want, have = _kind(expected), _kind(got)
    if have == "None" and want != "None":
        return NO_RETURN, ""
    if got is Ellipsis and expected is not Ellipsis:
        return PLACEHOLDER, "replace the `...` with your answer"
    if inspect.isawaitable(got) and not inspect.isawaitable(expected):
        if inspect.iscoroutine(got):
            got.close()  # never awaited: close it so Python does not warn
        return ("returned a coroutine, not a value",
                "a call to an async function needs `await`; or define this one with `def`")
    if want == have or want == "None":
        return None
    if want == "float" and have == "int":
        return None  # an int is a fine number where a float is expected
    if want in ("int", "float") and have == "str":
        number = _number_text(got)
        if number is not None:
            return (f"returned {_short(got)}, a str; {_a(want)} is expected",
                    f"write the number itself, without quotes: {got.strip()} instead of "
                    f"{_short(got)}")
        return (f"returned {_short(got)}, a str; {_a(want)} is expected",
                "return a number, not text")
    if want == "int" and have == "bool":
        return (f"returned {got}, a bool; an int is expected",
                "True and False are answers to yes/no questions; this one wants a number")
    if want == "bool" and have == "int":
        return (f"returned {got}, an int; a bool (True or False) is expected",
                "return True or False (a comparison such as x == y, or bool(...))")
    if want == "int" and have == "float":
        if not got.is_integer():
            return None  # a wrong number more than a wrong type: what_differs says "got 4.5"
        return (f"returned {got!r}, a float; an int is expected",
                "use // for integer division, or int(...)")
    if want == "bytes":
        if have == "sequence" and all(isinstance(b, int) and not isinstance(b, bool)
                                      for b in got):
            return (f"returned {_a(have, got)} of ints; bytes are expected",
                    "turn the list of byte values into bytes: bytes(your_list)")
        if have == "str":
            return (f"returned {_short(got)}, a str; bytes are expected",
                    "bytes are not text: bytes.fromhex(...) for hex, text.encode() for text, "
                    "bytes((b0, b1)) for byte values")
        if have == "int":
            return (f"returned {got!r}, an int; bytes are expected",
                    "one byte value v becomes bytes((v,)); a bigger number n.to_bytes(size, 'big')")
    if want == "str" and have == "bytes":
        return ("returned bytes; a str is expected",
                "decode the bytes: value.decode('ascii') (or 'utf-8')")
    if want == "sequence" and have not in ("str", "bytes", "dict") and hasattr(got, "__iter__"):
        return (f"returned a {type(got).__name__}; a list is expected",
                "collect the items into a list: list(...) or [... for ...]")
    return (f"returned {_short(got, 40)}, {_a(have, got)}; {_a(want, expected)} is expected",
            _ANOTHER_KIND + f"return {_a(want, expected)}")


# Marks the hint of a mistake that is a whole other kind of answer (a list where an int is
# expected), not a conversion slip: a case's own hint says more about it than "return an int".
_ANOTHER_KIND = "\x00"


def same_answer(got: Any, expected: Any) -> bool:
    """The default comparison: ``==``, strict about kinds (a bool is not an int, a str is not a
    number), bytes-like values compare as bytes, lists and tuples as sequences, floats with a
    relative tolerance of 1e-9."""
    want, have = _kind(expected), _kind(got)
    if want == "float" and have in ("int", "float"):
        return math.isclose(got, expected, rel_tol=1e-9, abs_tol=1e-12)
    if want != have:
        return False
    if want == "bytes":
        return bytes(got) == bytes(expected)
    if want == "sequence":
        return len(got) == len(expected) and all(map(same_answer, got, expected))
    if want == "dict":
        return (set(got) == set(expected)
                and all(same_answer(got[k], expected[k]) for k in expected))
    return bool(got == expected)


def _hex(data: bytes, limit: int = 24) -> str:
    shown = data[:limit].hex(" ")
    return shown + (" ..." if len(data) > limit else "") if data else "empty"


def _differences(got: Any, expected: Any, where: str, out: list[str], limit: int) -> None:
    if len(out) >= limit or same_answer(got, expected):
        return
    at = f"{where}: " if where else ""
    mistake = type_mistake(got, expected)
    if mistake is not None:
        detail = mistake[0]
        if where:  # "returned X" reads oddly for an item inside the answer
            detail = detail.replace(NO_RETURN, "is None").replace("returned ", "", 1)
        out.append(at + detail)
        return
    kind = _kind(expected)
    if kind == "bytes":
        got, expected = bytes(got), bytes(expected)
        wrong = [i for i in range(min(len(got), len(expected))) if got[i] != expected[i]]
        text = f"{at}got {_hex(got)}" if not where else f"{at}{_hex(got)}"
        if len(got) != len(expected):
            text += f" ({len(got)} bytes; the right answer has {len(expected)})"
        if wrong:
            shown = ", ".join(str(i) for i in wrong[:6]) + (", ..." if len(wrong) > 6 else "")
            text += f": byte{'s' if len(wrong) > 1 else ''} {shown} differ{'s' if len(wrong) == 1 else ''}"
        out.append(text)
    elif kind == "str":
        first = next((i for i, (a, b) in enumerate(zip(got, expected)) if a != b),
                     min(len(got), len(expected)))
        text = f"{at}got {_short(got, 60)}"
        if len(got) != len(expected):
            text += f" ({len(got)} characters; the right answer has {len(expected)})"
        text += f": differs from character {first} on" if first < len(got) else ": it is too short"
        out.append(text)
    elif kind in ("int", "float"):
        out.append(f"{at}got {got!r}")  # no "too large": for a status or a code it means nothing
    elif kind == "sequence":
        if len(got) != len(expected):
            out.append(f"{at}{len(got)} item{'s' if len(got) != 1 else ''}; the right answer has "
                       f"{len(expected)}")
        for i, (g, e) in enumerate(zip(got, expected)):
            _differences(g, e, f"{where}[{i}]" if where else f"item {i}", out, limit)
    elif kind == "dict":
        missing = [k for k in expected if k not in got]
        extra = [k for k in got if k not in expected]
        if missing:
            out.append(f"{at}missing key{'s' if len(missing) > 1 else ''} "
                       f"{', '.join(map(_short, missing))}")
        if extra:
            out.append(f"{at}unexpected key{'s' if len(extra) > 1 else ''} "
                       f"{', '.join(_short(k, 30) for k in extra[:5])}")
        for k in expected:
            if k in got:
                _differences(got[k], expected[k], f"{where}[{k!r}]" if where else repr(k), out,
                             limit)
    else:
        out.append(f"{at}got {_short(got)}")


def what_differs(got: Any, expected: Any, limit: int = 4) -> str:
    """Where ``got`` differs from ``expected``, without showing ``expected``: "item 1: got 5",
    "'opcode': got 8", "missing key 'fin'", "got 81 7e 00 01: bytes 2, 3 differ". Empty when they
    are the same answer."""
    out: list[str] = []
    _differences(got, expected, "", out, limit)
    return "; ".join(out[:limit]) + ("; ..." if len(out) > limit else "")


# ------------------------------------------------------------------ the stub, from the stub itself

def _is_not_implemented(node: ast.expr | None) -> bool:
    if isinstance(node, ast.Call):
        node = node.func
    return isinstance(node, ast.Name) and node.id == "NotImplementedError"


def _stub_body(body: list[ast.stmt]) -> bool:
    if (body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)):
        body = body[1:]  # the docstring
    for stmt in body:
        if isinstance(stmt, ast.Pass):
            continue
        if (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)
                and stmt.value.value is Ellipsis):
            continue
        if isinstance(stmt, ast.Raise) and _is_not_implemented(stmt.exc):
            continue
        return False
    return True


def _stub_from_source(func: Any) -> bool | None:
    try:
        source = textwrap.dedent(inspect.getsource(func))
        tree = ast.parse(source)
    except (OSError, TypeError, SyntaxError, IndentationError):
        return None
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if node.name != getattr(func, "__name__", None):
                return None  # the source on disk is not this function any more
            return _stub_body(node.body)
    return None


_STUB_OPS = {"RESUME", "NOP", "CACHE", "LOAD_GLOBAL", "LOAD_NAME", "PRECALL", "CALL", "PUSH_NULL",
             "LOAD_CONST", "RAISE_VARARGS", "RETURN_VALUE", "RETURN_CONST", "RETURN_GENERATOR",
             "POP_TOP", "KW_NAMES", "COPY_FREE_VARS", "MAKE_CELL", "GEN_START"}


def _stub_from_code(code: Any) -> bool:
    """No source: a body that only raises NotImplementedError (or does nothing) compiles to a
    handful of instructions that load no local, store nothing and compute nothing."""
    try:
        instructions = list(dis.get_instructions(code))
    except TypeError:
        return False
    if set(code.co_names) - {"NotImplementedError"}:
        return False
    if any(i.opname not in _STUB_OPS for i in instructions):
        return False
    raises = any(i.opname == "RAISE_VARARGS" for i in instructions)
    constants = [i.argval for i in instructions if i.opname in ("LOAD_CONST", "RETURN_CONST")]
    if raises:
        return all(c is None or isinstance(c, str) for c in constants)
    return all(c is None or c is Ellipsis for c in constants)


def is_stub(func: Any) -> bool:
    """True when ``func`` is the untouched stub: its body, after the docstring, is only
    ``raise NotImplementedError`` (any message, any comment), ``pass`` or ``...``. Read from
    the source (which IPython keeps for notebook cells), else from the code object."""
    if func is None:
        return True
    try:
        func = inspect.unwrap(func)
    except ValueError:
        pass
    while hasattr(func, "func") and not hasattr(func, "__code__"):  # functools.partial
        func = func.func
    code = getattr(func, "__code__", None)
    if code is None:
        return False
    if code.co_name == "<lambda>":
        return False  # a lambda has an expression, not a stub body
    from_source = _stub_from_source(func)
    return _stub_from_code(code) if from_source is None else from_source


# ------------------------------------------------------------------ constraints

@dataclass
class Forbid:
    """A constraint the lesson states: the learner's code must not call any of ``targets``
    (functions or builtins), shown as ``name``; ``hint`` says what to do instead."""

    name: str
    targets: Iterable[Callable]
    hint: str = ""


class _Watch:
    """A profile hook that records which forbidden callables were called (by code object for
    Python functions, by identity for builtins)."""

    def __init__(self, forbid: Iterable[Forbid]):
        self.forbid = list(forbid)
        self.codes: dict[Any, str] = {}
        self.builtins: dict[int, str] = {}
        self.seen: list[str] = []
        for rule in self.forbid:
            for target in rule.targets:
                if target is None:
                    continue
                code = getattr(target, "__code__", None)
                if code is not None:
                    self.codes[code] = rule.name
                else:
                    self.builtins[id(target)] = rule.name

    def hook(self, frame: Any, event: str, arg: Any) -> None:
        if event == "call":
            name = self.codes.get(frame.f_code)
        elif event == "c_call":
            name = self.builtins.get(id(arg))
        else:
            return
        if name is not None and name not in self.seen:
            self.seen.append(name)


@contextmanager
def watch_calls(forbid: Iterable[Forbid]) -> Iterator[list[str]]:
    """``with watch_calls(rules) as seen: ...``: afterwards ``seen`` lists the names of the
    rules whose targets were called inside the block (in this thread)."""
    watch = _Watch(forbid)
    if not watch.codes and not watch.builtins:
        yield watch.seen
        return
    previous = sys.getprofile()

    def hook(frame: Any, event: str, arg: Any) -> None:
        watch.hook(frame, event, arg)
        if previous is not None:
            previous(frame, event, arg)

    sys.setprofile(hook)
    try:
        yield watch.seen
    finally:
        sys.setprofile(previous)


def _add_constraints(report: Report, forbid: list[Forbid], seen: list[str]) -> None:
    for rule in forbid:
        called = rule.name in seen
        report.add(f"does not call {rule.name} (the lesson asks you to write it yourself)",
                   not called, f"your code called {rule.name}" if called else "", rule.hint)


# ------------------------------------------------------------------ cases and judging

@dataclass
class Case:
    """One call of the learner's function: ``func(*args)`` should equal ``expected``."""

    name: str
    args: tuple
    expected: Any
    # Shown when the check fails: a str, or f(got) -> str to name the mistake (got is None when
    # the learner's code raised).
    hint: str | Callable[[Any], str] = ""
    # How to compare; the default is same_answer. f(got, expected) returns True when the answer
    # is right, or (ok, detail) to replace the default "what differs" detail.
    compare: Callable[[Any, Any], bool | tuple[bool, str]] | None = None
    same: Callable[[Any, Any], bool] | None = None  # the older name of compare, still accepted

    def diagnose(self, got: Any) -> tuple[bool, str, str]:
        """(ok, detail, hint) for the answer ``got``; detail and hint are empty when ok. Never
        raises, and never shows the expected value."""
        if got is None and self.expected is not None:
            return False, NO_RETURN, ""
        if got is Ellipsis and self.expected is not Ellipsis:
            return False, PLACEHOLDER, "replace the `...` with your answer"
        compare = self.compare or self.same
        try:
            if compare is None:
                ok, detail = same_answer(got, self.expected), ""
            else:
                outcome = compare(got, self.expected)
                ok, detail = outcome if isinstance(outcome, tuple) else (outcome, "")
            ok = bool(ok)
        except Exception as exc:
            return False, f"could not compare the answer: {exc}", self.hint_for(got)
        if ok:
            return True, "", ""
        try:
            mistake = _type_mistake(got, self.expected)
        except Exception:
            mistake = None
        if mistake is not None:
            # The lesson's own diagnosis first (a hint function), then the fix for a conversion
            # slip, then (for a whole other kind of answer) the case's hint.
            what, fix = mistake
            hint = self.hint_for(got) if callable(self.hint) else ""
            if fix.startswith(_ANOTHER_KIND):  # the lesson's words first, for detail and hint
                what = detail or what
                hint = hint or self.hint_for(got) or fix.lstrip(_ANOTHER_KIND)
            return False, what, hint or fix
        if not detail:
            try:
                detail = what_differs(got, self.expected) or f"got {_short(got)}"
            except Exception:
                detail = f"got {_short(got)}"
        return False, detail, self.hint_for(got)

    def judge(self, got: Any) -> tuple[bool, str]:
        """(ok, detail) for the answer ``got``; the detail is empty when ok. Never raises."""
        ok, detail, _ = self.diagnose(got)
        return ok, detail

    def hint_for(self, got: Any, ok: bool = False) -> str:
        """The hint for the answer ``got``. Never raises."""
        if not callable(self.hint):
            return self.hint
        if ok:
            return ""
        try:
            return str(self.hint(got) or "")
        except Exception:
            return ""


def _describe_exception(exc: BaseException) -> str:
    frame = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    where = f" (line {frame.lineno})" if frame is not None else ""
    return f"raised {type(exc).__name__}: {exc}{where}"


def is_stub_result(value: Any) -> bool:
    """True for the results a stub gives (None, ``...``); kept for older checks."""
    return value is None or value is Ellipsis


def judge_answer(report: Report, case: Case, got: Any = None, error: Exception | None = None, *,
                 first: bool = False, stub_hint: str | None = None,
                 crash_hint: str | Callable[[Exception], str] | None = None) -> None:
    """Add ``case``'s line to ``report``: the learner's answer is ``got``, or ``error`` when
    computing it raised.

    ``first=True`` is for a loop that could not look at the function itself (call
    :func:`is_stub` first when you can): then NotImplementedError, or a ``...`` placeholder,
    on that case raises :class:`NotAttempted`. ``None`` is never "not attempted": it is a
    forgotten ``return``.
    """
    if isinstance(error, NotImplementedError):
        if first:
            raise NotAttempted
        hint = case.hint_for(None) if stub_hint is None else stub_hint
        report.add(case.name, False, "raised NotImplementedError", hint)
    elif error is not None:
        if callable(crash_hint):
            try:
                hint = str(crash_hint(error) or "") or case.hint_for(None)
            except Exception:
                hint = case.hint_for(None)
        else:
            hint = case.hint_for(None) if crash_hint is None else crash_hint
        report.add(case.name, False, _describe_exception(error), hint)
    elif first and got is Ellipsis and case.expected is not Ellipsis:
        raise NotAttempted
    else:
        ok, detail, hint = case.diagnose(got)
        report.add(case.name, ok, detail, "" if ok else hint)


def check_function(title: str, func: Callable | None, cases: Iterable[Case], *,
                   stub_hint: str | None = None,
                   crash_hint: str | Callable[[Exception], str] | None = None,
                   forbid: Iterable[Forbid] = ()) -> Report:
    """Run ``func`` on each case and report. Never raises.

    Not attempted: ``func`` is None, or :func:`is_stub` (the untouched stub), or every case
    gave the ``...`` placeholder. ``stub_hint`` and ``crash_hint`` replace the case's hint when
    a case raises NotImplementedError, or when the learner's code raises anything else.
    ``forbid`` lists the constraints (:class:`Forbid`): one more line per rule.
    """
    report = Report(title)
    if func is None or is_stub(func):
        report.attempted = False
        return report
    cases, forbid = list(cases), list(forbid)
    placeholders = 0
    with watch_calls(forbid) as seen:
        for case in cases:
            try:
                got, error = func(*case.args), None
            except Exception as exc:  # the learner's code: reported, never raised
                got, error = None, exc
            placeholders += error is None and got is Ellipsis and case.expected is not Ellipsis
            judge_answer(report, case, got, error, stub_hint=stub_hint, crash_hint=crash_hint)
    if cases and placeholders == len(cases):
        report.attempted = False
        report.results.clear()
        return report
    _add_constraints(report, forbid, seen)
    return report


def check_answers(title: str, answers: Any, cases: Iterable[Case]) -> Report:
    """Check a dict of answers (a quiz): each case's ``args`` is ``(key,)`` and its name is the
    question. Not attempted when ``answers`` is not a dict or every answer is still ``...``; a
    missing key, or an answer still ``...``, is a failed line. ``None`` is an answer here (the
    case's hint function gets it). Never raises."""
    report = Report(title)
    cases = list(cases)
    if not isinstance(answers, dict) or all(answers.get(c.args[0], ...) is Ellipsis
                                            for c in cases):
        report.attempted = False
        return report
    for case in cases:
        key = case.args[0]
        if key not in answers:
            report.add(case.name, False, "missing from your dict",
                       "keep every key of the dict in the exercise cell")
            continue
        got = answers[key]
        if got is Ellipsis:
            report.add(case.name, False, PLACEHOLDER, case.hint_for(None))
            continue
        if got is None and case.expected is not None:  # in a quiz None is an answer ("none")
            report.add(case.name, False, "you said None", case.hint_for(None))
            continue
        judge_answer(report, case, got)
        line = report.results[-1]
        for said in ("returned ", "got "):  # an answer in a dict is "said", not "returned"
            if line.detail.startswith(said) and line.detail != NO_RETURN:
                line.detail = "you said " + line.detail[len(said):]
    return report
