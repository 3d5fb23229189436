"""Loaded into a real Celery worker by tests/test_celery_worker.py (``--include``), never by
the platform: the yearly evaluation's builder, made to stop halfway through writing its
PDF until the test lets it go, so that the test can kill the worker right there.

The test and the worker are separate processes; they meet in the folder named by
``BLOCKING_BUILD_DIR``. Each attempt at a build (``document.attempts``) that reaches the
middle of its write leaves ``started-<document>-<attempt>`` there, holding the pid of the
process doing it, then waits for ``release-<document>-<attempt>`` before writing the
real PDF (``abort``: give up at once, for a test that failed)."""

from __future__ import annotations

import os
import time
from pathlib import Path

from evaluation.documents import builders
from evaluation.documents.pairing import PairingEvaluation

# Long enough for any test step; short enough that a forgotten worker does not hang on.
WAIT_SECONDS = 120


def _gate() -> Path:
    return Path(os.environ["BLOCKING_BUILD_DIR"])


def _say(name: str, text: str) -> None:
    # Written aside and renamed: the test never reads half a pid.
    part = _gate() / f".{name}.part"
    part.write_text(text)
    os.replace(part, _gate() / name)


class BlockingPairingEvaluation(PairingEvaluation):
    def write(self, document, fmt, out):
        out.write(b"%PDF-1.7\n% half a document\n")
        out.flush()
        key = f"{document.pk}-{document.attempts}"
        _say(f"started-{key}", str(os.getpid()))
        deadline = time.monotonic() + WAIT_SECONDS
        while not (_gate() / f"release-{key}").exists():
            if (_gate() / "abort").exists() or time.monotonic() > deadline:
                raise RuntimeError(f"build {key} was never released")
            time.sleep(0.05)
        out.seek(0)
        out.truncate()
        super().write(document, fmt, out)


builders.register(BlockingPairingEvaluation())
