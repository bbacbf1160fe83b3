"""One workspace directory for all runtime state (``IBML_HOME``, default ``.ibml/`` in the current directory).

It holds generated data, the feature stores, ``mlflow.db`` and artifacts, the audit log, the
prediction log and the review queue. Tests point ``IBML_HOME`` at a temporary directory.

The default is relative to the *current directory*, never to this file: installed from a wheel the
package sits in ``site-packages``, which is no place for data (and often not writable). Run ``ibml``
from the repository root (as ``make`` does) and the workspace is the git-ignored ``.ibml/`` there.

Writes go through :func:`atomic_write` / :func:`atomic_dir` so a failure never leaves a
half-written file behind: we write to a temporary sibling and rename it into place.

Files that hold personal data or raw document text (the generated data, the feature stores, the audit and
prediction logs, the review queue, the API keys) are private: mode 0600 in directories of mode 0700. The rule
lives here, once: :func:`private_dir`, :func:`private_file`, :func:`open_private` and ``atomic_write(...,
private=True)``; every writer of such a file goes through one of them.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from reference_impl.errors import WorkspaceError

#: The installed ``reference_impl`` package directory (what MLflow models ship as ``code_paths``).
PACKAGE_DIR = Path(__file__).resolve().parent
#: Name of the default workspace directory, created in the current directory.
DEFAULT_HOME_NAME = ".ibml"


class WorkspaceSettings(BaseSettings):
    """Where runtime state lives; read from the environment each time it is built.

    Examples
    --------
    >>> WorkspaceSettings(home="/tmp/ws").resolved_home()
    PosixPath('/tmp/ws')
    """

    model_config = SettingsConfigDict(env_prefix="IBML_", extra="ignore", frozen=True, env_ignore_empty=True)

    home: Path | None = Field(None, description="workspace root (IBML_HOME); default ./.ibml in the current directory")

    def resolved_home(self) -> Path:
        """The absolute workspace root: ``home`` if set, else ``.ibml`` under the current directory."""
        return (self.home.expanduser() if self.home is not None else Path.cwd() / DEFAULT_HOME_NAME).resolve()


def default_home() -> Path:
    """``$IBML_HOME`` if set, else ``.ibml/`` in the current working directory."""
    return WorkspaceSettings().resolved_home()


class IdentitySettings(BaseSettings):
    """Where keys that protect the workspace live (``IBML_IDENTITY_DIR``; :func:`default_identity_dir`)."""

    model_config = SettingsConfigDict(env_prefix="IBML_", extra="ignore", frozen=True, env_ignore_empty=True)

    identity_dir: Path | None = None


def default_identity_dir() -> Path:
    """``$IBML_IDENTITY_DIR``, else ``<IBML_HOME>-identity`` beside (outside) the workspace.

    The rule :func:`reference_impl.lifecycle.identity.identity_dir` follows; keys that protect the workspace
    (model seal, audit anchor) live here so that whoever can write the workspace cannot also read them.
    """
    configured = IdentitySettings().identity_dir
    if configured is not None:
        return configured.expanduser().resolve()
    home = default_home()
    return home.with_name(home.name + "-identity")


def create_key_file(path: Path, n_bytes: int = 32) -> Path:
    """Create ``path`` holding a fresh random hex key (0600, parent 0700) unless it exists; return it.

    ``O_EXCL`` makes two processes racing to create it safe: the loser keeps the winner's key.
    """
    import secrets

    private_dir(path.parent)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
    except FileExistsError:
        return path
    with os.fdopen(fd, "wb") as fh:
        fh.write(secrets.token_hex(n_bytes).encode())
        fh.flush()
        os.fsync(fh.fileno())
    return path


@dataclass(frozen=True)
class Workspace:
    """Paths inside the workspace; creating a Workspace does no I/O, :meth:`ensure` does."""

    root: Path

    @classmethod
    def from_env(cls) -> Workspace:
        return cls(default_home())

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def features_dir(self) -> Path:
        return self.root / "features"

    @property
    def models_dir(self) -> Path:
        return self.root / "models"

    @property
    def mlflow_dir(self) -> Path:
        return self.root / "mlflow"

    @property
    def audit_log(self) -> Path:
        return self.root / "audit" / "audit.jsonl"

    @property
    def prediction_log(self) -> Path:
        return self.root / "logs" / "predictions.jsonl"

    @property
    def review_queue_db(self) -> Path:
        return self.root / "kyc" / "review_queue.db"

    @property
    def reports_dir(self) -> Path:
        return self.root / "reports"

    def ensure(self, sub: Path | str | None = None) -> Path:
        """Create the workspace (or a directory inside it) and return its path."""
        path = self.root if sub is None else (self.root / sub)
        return private_dir(path)  # the workspace holds personal data: its directories are 0700


#: Mode of a directory that holds personal data: only its owner may list or enter it.
PRIVATE_DIR_MODE = 0o700
#: Mode of a file that holds personal data or raw document text: only its owner may read or write it.
PRIVATE_FILE_MODE = 0o600


def private_dir(path: Path | str) -> Path:
    """Create ``path`` (and any missing parent) with mode 0700 and make ``path`` itself 0700.

    Existing parents are left as they are (``/tmp`` must stay ``/tmp``); only directories this call
    creates, and ``path``, are made private.
    """
    path = Path(path)
    missing = []
    probe = path
    while not probe.exists():
        missing.append(probe)
        if probe.parent == probe:
            break
        probe = probe.parent
    try:
        for d in reversed(missing):
            with contextlib.suppress(FileExistsError):  # a concurrent writer made it first
                d.mkdir(mode=PRIVATE_DIR_MODE)
            os.chmod(d, PRIVATE_DIR_MODE)  # mkdir's mode is filtered by the umask
        os.chmod(path, PRIVATE_DIR_MODE)
    except OSError as exc:
        raise WorkspaceError(f"cannot create directory {path}: {exc.strerror or exc}") from exc
    return path


def open_private(path: Path | str, flags: int = os.O_WRONLY | os.O_CREAT | os.O_APPEND) -> int:
    """``os.open`` a file that is 0600 in a 0700 directory, created so if missing and made so if not."""
    path = Path(path)
    private_dir(path.parent)
    fd = os.open(path, flags | os.O_CREAT, PRIVATE_FILE_MODE)
    try:
        os.fchmod(fd, PRIVATE_FILE_MODE)
    except BaseException:
        os.close(fd)
        raise
    return fd


def private_file(path: Path | str) -> Path:
    """Create ``path`` empty if missing (0600, in a 0700 directory) or make it 0600; return it.

    Call it before a library creates the file itself: SQLite, for instance, gives its ``-wal`` and
    ``-shm`` files the mode of the database file.
    """
    path = Path(path)
    try:
        os.close(open_private(path, os.O_WRONLY))
    except OSError as exc:
        raise WorkspaceError(f"cannot create private file {path}: {exc.strerror or exc}") from exc
    return path


def ensure_writable_dir(path: Path) -> Path:
    """Create ``path`` if needed and prove we can write to it; raise WorkspaceError naming it if not."""
    path = Path(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path, prefix=".probe-"):
            pass
    except OSError as exc:
        raise WorkspaceError(f"output directory {path} is not writable: {exc.strerror or exc}") from exc
    return path


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_write(path: Path | str, mode: str = "wb", *, private: bool = False) -> Iterator:
    """Open a temporary sibling of ``path`` for writing; rename it over ``path`` only on success.

    ``private=True`` for personal data: the file is 0600 and its directory 0700 (see :func:`private_dir`).
    """
    path = Path(path)
    if private:
        private_dir(path.parent)
    ensure_writable_dir(path.parent)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, mode) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        # mkstemp makes 0600: keep it for personal data, else give the file normal permissions
        os.chmod(tmp, PRIVATE_FILE_MODE if private else 0o666 & ~_current_umask())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def atomic_dir(path: Path | str) -> Iterator[Path]:
    """Yield a temporary directory; on success it replaces ``path`` as a whole, on failure it vanishes."""
    path = Path(path)
    ensure_writable_dir(path.parent)
    tmp = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"))
    try:
        yield tmp
        if path.exists():
            old = path.with_name(f".{path.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(path, old)
            os.replace(tmp, path)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


__all__ = [
    "DEFAULT_HOME_NAME",
    "PACKAGE_DIR",
    "PRIVATE_DIR_MODE",
    "PRIVATE_FILE_MODE",
    "Workspace",
    "IdentitySettings",
    "WorkspaceSettings",
    "atomic_dir",
    "atomic_write",
    "create_key_file",
    "default_home",
    "default_identity_dir",
    "ensure_writable_dir",
    "open_private",
    "private_dir",
    "private_file",
]
