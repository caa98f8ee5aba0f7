"""The gradebook's database (nbgrader's `db_url`: an SQLite file, or PostgreSQL when several people grade):
reaching it with one clear error, creating it once, and letting graders take turns where nbgrader would race.

nbgrader creates tables, course, assignment and submission rows on first use, with no thought of a second
writer: two graders creating the same rows at once end in an IntegrityError, and two graders of one student
delete each other's submission mid-way (StaleDataError, ObjectDeletedError: the student is reported not graded,
or loses the score). Each such step runs in a *turn*: a lock named by strings, held by one process at a time
on any machine. On PostgreSQL a turn is an advisory lock of the database server; on SQLite a lock file beside
the gradebook file. Both are released when the process dies, so a killed grader never blocks the next one.
"""
from __future__ import annotations

import hashlib
import os
import sys
from contextlib import contextmanager
from pathlib import Path

from ..errors import TitoError
from .file_lock import file_lock

CONNECT_SECONDS = 10  # how long to wait for a database server before saying it cannot be reached
_ready: set[tuple[str, str]] = set()  # (url, course id) this process has already prepared


def shown(url: str) -> str:
    """The URL as it may be printed: any password replaced by ***."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL at all: still name it
        return url


def _backend(url: str) -> str:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).get_backend_name()
    except ArgumentError:
        raise TitoError(f"the gradebook URL {url!r} is not a database URL (e.g. postgresql+psycopg://user@host/db)")


def _problem(url: str, error: Exception) -> TitoError:
    """One line naming the database and the server's own reason, instead of a SQLAlchemy traceback."""
    from sqlalchemy.exc import OperationalError

    cause = getattr(error, "orig", None) or error
    reason = (str(cause).strip().splitlines() or [type(cause).__name__])[0]
    what = "cannot reach the gradebook database" if isinstance(error, OperationalError) else "gradebook database"
    return TitoError(f"{what} {shown(url)}: {reason}")


def _engine(url: str):
    """An engine without a pool (each turn is one connection, closed at its end)."""
    from sqlalchemy import create_engine
    from sqlalchemy.exc import NoSuchModuleError
    from sqlalchemy.pool import NullPool

    connect_args = {"connect_timeout": CONNECT_SECONDS} if _backend(url) == "postgresql" else {}
    try:
        return create_engine(url, poolclass=NullPool, connect_args=connect_args)
    except (ImportError, NoSuchModuleError) as e:
        raise TitoError(f"the gradebook {shown(url)} needs a database driver that is not installed ({e}); "
                        "for PostgreSQL: pip install -e '.[grading]'")


def _key(name: tuple[str, ...]) -> int:
    """A signed 64-bit number for a turn's name: what pg_advisory_lock takes."""
    digest = hashlib.blake2b("\0".join(name).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


@contextmanager
def turn(url: str, *name: str, shared: bool = False):
    """Hold the lock called `name` for this gradebook while the block runs; waits for whoever holds it.

    `shared` turns may be held by many at once, but never together with the one who holds it alone.
    """
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    backend = _backend(url)
    if backend == "postgresql":
        engine = _engine(url)
        try:
            try:
                connection = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            except SQLAlchemyError as e:
                raise _problem(url, e)
            with connection:  # the lock belongs to this session: closing it (or dying) releases it
                lock = "pg_advisory_lock_shared" if shared else "pg_advisory_lock"
                connection.execute(text(f"SELECT {lock}(:key)"), {"key": _key(name)})
                yield
        finally:
            engine.dispose()
    elif backend == "sqlite" and _sqlite_file(url):  # one lock file per turn, beside the gradebook file
        folder = _sqlite_file(url).parent / f".{_sqlite_file(url).name}.turns"
        with file_lock(folder / f"{_key(name) & (2**64 - 1):016x}", shared):
            yield
    else:  # an in-memory SQLite or another server: nbgrader's own behaviour, no turns
        yield


def _sqlite_file(url: str) -> Path | None:
    from sqlalchemy.engine import make_url

    database = make_url(url).database
    return Path(database) if database and database != ":memory:" else None


def prepare(url: str, course_id: str) -> None:
    """Make sure the gradebook exists (tables, version, course row), created by one process only.

    Raises TitoError naming the URL when the database cannot be reached or its driver is missing.
    """
    from nbgrader.api import Gradebook
    from sqlalchemy.exc import SQLAlchemyError

    if (url, course_id) in _ready:
        return
    # nbgrader runs the `alembic` command when it creates a gradebook: it must be found beside this Python.
    bin_dir = os.path.dirname(sys.executable)
    if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")
    if _backend(url) == "sqlite" and _sqlite_file(url):
        _sqlite_file(url).parent.mkdir(parents=True, exist_ok=True)
    _engine(url).dispose()  # a missing driver is reported here, before nbgrader trips over it
    with turn(url, "create the gradebook"):
        try:
            Gradebook(url, course_id).close()
        except SQLAlchemyError as e:
            raise _problem(url, e)
    _ready.add((url, course_id))
