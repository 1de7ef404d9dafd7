"""Named errors of cevns-scan.

Every error a user can cause derives from :class:`CevnsError`; the command line prints its message on one
line and exits with status 2 (see :mod:`cevns.scanner.cli`).
"""


class CevnsError(Exception):
    """Base class of every user-facing error."""


class ConfigError(CevnsError, ValueError):
    """Bad input: unknown experiment, model or parameter, bad value or range."""


class DataError(CevnsError, OSError):
    """A bundled data file is missing, unreadable or altered."""


class DataFileMissing(DataError):
    """A data file that an experiment needs does not exist."""


class DataChecksumError(DataError):
    """A data file exists but its SHA-256 differs from the bundled manifest."""


class FitError(CevnsError, RuntimeError):
    """A minimisation or profiling step did not converge."""


class OutputError(CevnsError, OSError):
    """An output location cannot be written, or holds a different result."""
