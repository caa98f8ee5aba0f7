"""The one exception tito raises for user mistakes; the CLI prints it as a single line and exits 1."""


class TitoError(Exception):
    """A problem the user can fix: a bad argument, a missing file, a failed check."""
