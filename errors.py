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
    interrupted = 130


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
