"""One workspace directory for all runtime state (``IBML_HOME``, default ``.ibml/`` in the current directory).

It holds generated data, the feature stores, ``mlflow.db`` and artifacts, the audit log, the
prediction log and the review queue. Tests point ``IBML_HOME`` at a temporary directory.

The default is relative to the *current directory*, never to this file: installed from a wheel the
package sits in ``site-packages``, which is no place for data (and often not writable). Run ``ibml``
from the repository root (as ``make`` does) and the workspace is the git-ignored ``.ibml/`` there.

Writes go through :func:`atomic_write` / :func:`atomic_dir` so a failure never leaves a
half-written file behind: we write to a temporary sibling and rename it into place.
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
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise WorkspaceError(f"cannot create directory {path}: {exc.strerror or exc}") from exc
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
def atomic_write(path: Path | str, mode: str = "wb") -> Iterator:
    """Open a temporary sibling of ``path`` for writing; rename it over ``path`` only on success."""
    path = Path(path)
    ensure_writable_dir(path.parent)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, mode) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_current_umask())  # mkstemp makes 0600; give the file normal permissions
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
    "Workspace",
    "WorkspaceSettings",
    "atomic_dir",
    "atomic_write",
    "default_home",
    "ensure_writable_dir",
]
