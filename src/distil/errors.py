"""Every error distil raises on purpose, and the exit code each one maps to.

The library raises; only ``distil.cli`` turns an error into one paragraph and an exit code.
Each message names the file, revision or object at fault and says how to fix it.

    DistilError                      exit 2 unless a subclass says otherwise
    ├── UsageError                   bad command-line input (unknown target, below base, ...)
    ├── ConfigError                  missing or broken configuration
    ├── ModelsImportError            the models reference cannot be imported
    ├── ModelError                   the models cannot be built on the database
    ├── DatabaseUnavailable          unknown or unreachable database (password masked)
    ├── ScriptError                  a migration file cannot be read (syntax, missing names)
    ├── GraphError                   duplicate ids, missing parents, cycles, several heads
    │   └── RevisionNotFound         unknown or ambiguous revision id or prefix
    ├── ChecksumMismatch             an applied migration file was edited afterwards
    ├── OperationError               an op was called with arguments it cannot honour
    ├── PostWriteHookFailed          exit 1: a configured command failed on a new migration file
    └── MigrationFailed              exit 1: a migration's statement failed on the database
        ├── LockTimeout              exit 1: another migrator held the lock too long
        └── DataLossRefused          exit 1: the data-loss guard stopped a drop or narrowing
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2


class DistilError(Exception):
    """Base class: ``str(error)`` is the full user-facing paragraph."""

    exit_code: int = EXIT_BAD_INPUT

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class UsageError(DistilError):
    """The command line asks for something that cannot be done."""


class ConfigError(DistilError):
    """The configuration is missing, unreadable or incomplete."""


class ModelsImportError(DistilError):
    """The configured models reference cannot be imported; carries the user's traceback."""

    def __init__(self, message: str, user_traceback: str = "") -> None:
        super().__init__(message)
        self.user_traceback = user_traceback


class ModelError(DistilError):
    """The models import, but the database refuses to create them as written."""


class DatabaseUnavailable(DistilError):
    """The database URL is unknown or the server cannot be reached."""


class ScriptError(DistilError):
    """A migration file is broken: syntax error, missing ``revision``, bad ``down_revision``."""


class GraphError(DistilError):
    """The revision history is inconsistent or ambiguous."""


class RevisionNotFound(GraphError):
    """A revision id or prefix matches nothing, or more than one revision."""


class ChecksumMismatch(DistilError):
    """An already-applied migration file has changed since it ran."""


class OperationError(DistilError):
    """An ``op`` call cannot be carried out as written (bad arguments, unsupported here)."""


class PostWriteHookFailed(DistilError):
    """A post-write hook could not run or failed on a file distil wrote; the file is kept."""

    exit_code = EXIT_FAILED


class MigrationFailed(DistilError):
    """A statement of a migration failed on the database; nothing after it ran."""

    exit_code = EXIT_FAILED


class TooBigForOneTransaction(MigrationFailed):
    """A migration was refused before it started: its one transaction cannot lock all it
    touches (``runtime.lock_budget``)."""


class LockTimeout(MigrationFailed):
    """Another process held the migration lock longer than the lock timeout."""


class DataLossRefused(MigrationFailed):
    """A drop or narrowing change would destroy data and was not marked as intended."""
