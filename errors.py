"""Exit codes and the exceptions that carry them; only cli.py turns them into an exit."""
from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes, documented in the README."""

    ok = 0
    input_failed = 1        # at least one input could not be converted; the others were
    usage = 2               # bad command line
    missing_dependency = 3  # an external program or language pack is missing
    output_not_writable = 4
    hangup = 129            # SIGHUP (the terminal was closed): 128 + 1, as the shell reports it
    interrupted = 130       # Ctrl-C (SIGINT)
    terminated = 143        # SIGTERM (kill, a service manager stopping the run): 128 + 15


class ChitieuError(Exception):
    """Base class: the message is one sentence for the user, what went wrong and what to do."""

    exit_code = ExitCode.input_failed


class InputError(ChitieuError):
    """One input file cannot be read; the batch goes on without it."""

    exit_code = ExitCode.input_failed

    def __init__(self, message: str, code: str = "unreadable"):
        super().__init__(message)
        self.code = code  # short machine-readable class, e.g. "encrypted", "not-pdf"


class BadOption(ChitieuError):
    """An option's value cannot be used (e.g. a malformed --lexicon file); nothing was processed."""

    exit_code = ExitCode.usage


class MissingDependency(ChitieuError):
    exit_code = ExitCode.missing_dependency


class OutputNotWritable(ChitieuError):
    exit_code = ExitCode.output_not_writable


class Stopped(KeyboardInterrupt):
    """SIGTERM or SIGHUP, raised in the main process like Ctrl-C's KeyboardInterrupt (a subclass, so that every
    `except Exception` lets it through and every cleanup that Ctrl-C runs, runs): the workers are stopped and
    what finished is kept for the next run."""

    def __init__(self, name: str, exit_code: ExitCode):
        super().__init__(name)
        self.name = name  # SIGTERM, SIGHUP
        self.exit_code = exit_code
