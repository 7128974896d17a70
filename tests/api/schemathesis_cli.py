"""schemathesis' command line, with Python's AST conversions taken one thread at a time.

Python 3.11 before 3.11.9 keeps the AST converter's recursion depth in state the threads share
(CPython gh-106905), so two threads parsing or compiling at once can fail with "SystemError: AST
constructor recursion depth mismatch". With two workers, schemathesis' threads do exactly that
(Hypothesis reads and compiles source while generating cases), and the fuzzer's run died inside
the tool, not in Harbor. Every conversion goes through compile(), so one lock around it is the
fix, in the fuzzer's own process only.
"""

from __future__ import annotations

import builtins
import sys
import threading

_compile = builtins.compile
_lock = threading.RLock()


def _compile_one_at_a_time(*args, **kwargs):
    with _lock:
        return _compile(*args, **kwargs)


if __name__ == "__main__":
    builtins.compile = _compile_one_at_a_time
    from schemathesis.cli import schemathesis

    sys.argv[0] = "schemathesis"
    sys.exit(schemathesis())
