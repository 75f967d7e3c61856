"""The pip route (requirements.lock) and the conda route (environment.yml) must not drift apart.

A class installs one or the other; both have to give the same versions of everything the course
names, or a notebook that passes for one student fails for another.
"""

import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def lock_pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, sep, version = line.partition("==")
            assert sep, f"requirements.lock line is not pinned with ==: {line!r}"
            pins[_norm(name)] = version
    return pins


def conda_pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "environment.yml").read_text().splitlines():
        m = re.match(r"^\s*-\s+([A-Za-z0-9_.\-]+)==(\S+)\s*$", line)
        if m:
            pins[_norm(m.group(1))] = m.group(2)
    return pins


def course_dependencies() -> list[str]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return [_norm(re.split(r"[<>=!~\[; ]", d, 1)[0]) for d in data["project"]["optional-dependencies"]["course"]]


def test_every_conda_pin_matches_the_lock():
    lock, conda = lock_pins(), conda_pins()
    assert conda, "environment.yml lists no pinned pip packages"
    drift = {name: (v, lock.get(name)) for name, v in conda.items() if lock.get(name) != v}
    assert not drift, f"environment.yml and requirements.lock disagree (conda, lock): {drift}"


def test_every_course_dependency_is_pinned_in_both():
    lock, conda = lock_pins(), conda_pins()
    deps = course_dependencies()
    assert "websockets" in deps and "jupyterlab" in deps
    missing_lock = [d for d in deps if d not in lock]
    missing_conda = [d for d in deps if d not in conda]
    assert not missing_lock, f"course dependencies missing from requirements.lock: {missing_lock}"
    assert not missing_conda, f"course dependencies missing from environment.yml: {missing_conda}"


def test_conda_python_satisfies_requires_python():
    text = (ROOT / "environment.yml").read_text()
    m = re.search(r"^\s*-\s+python=(\d+)\.(\d+)", text, re.M)
    assert m, "environment.yml does not pin a Python version"
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    low = re.match(r">=(\d+)\.(\d+)", data["project"]["requires-python"])
    assert (int(m.group(1)), int(m.group(2))) >= (int(low.group(1)), int(low.group(2)))


def test_the_running_environment_is_the_locked_one():
    """Under `make test` the venv was installed from the lock: the versions really match."""
    from importlib.metadata import PackageNotFoundError, version

    lock = lock_pins()
    wrong = {}
    for dep in course_dependencies():
        try:
            installed = version(dep)
        except PackageNotFoundError:
            installed = None
        if installed != lock[dep]:
            wrong[dep] = (installed, lock[dep])
    assert not wrong, f"installed versions differ from requirements.lock (installed, locked): {wrong}"
    assert sys.version_info >= (3, 11)
