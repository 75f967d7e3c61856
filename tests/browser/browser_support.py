"""Launching Debian's headless Chromium for the browser tests (never a downloaded browser).

Without /usr/bin/chromium the browser tests skip, unless WSCOURSE_REQUIRE_BROWSER=1 (set by
.ci/run), where a missing browser is a failure: CI must not pass by skipping them.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
# Flags for a closed-network machine: no background fetches, no GPU, no sandbox (we run as root).
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]


def require_chromium() -> None:
    """Skip (or, under CI, fail) when Chromium is not installed."""
    if CHROMIUM.exists():
        return
    message = f"{CHROMIUM} not found: install Debian's chromium (apt-get install chromium)"
    if os.environ.get("WSCOURSE_REQUIRE_BROWSER") == "1":
        pytest.fail(message + "; WSCOURSE_REQUIRE_BROWSER=1 makes this a failure", pytrace=False)
    pytest.skip(message)


@contextlib.contextmanager
def launch_browser():
    """A Playwright (sync API) Chromium browser; closed on exit."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
