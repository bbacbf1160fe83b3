"""Where runs are tracked, and what every training run records.

Two stores, one code path:

* **embedded** (default) — a SQLite file ``<IBML_HOME>/mlflow/mlflow.db`` with artifacts under
  ``<IBML_HOME>/mlflow/artifacts``; nothing to start, nothing listening on a port;
* **team** — an MLflow tracking server on PostgreSQL (``ibml mlflow-server``), selected with
  ``IBML_MLFLOW_TRACKING_URI=http://host:5000`` (or a ``postgresql://`` URI used directly).

Why the preflight in :func:`open_client`: MLflow retries an unreachable database ten times with
exponential backoff (about 100 s) and an unreachable server for minutes; a control that hangs is
a control people bypass. We probe the store once with a short timeout and refuse with one line.

Why the template in :func:`prepare_sqlite_store`: creating a fresh MLflow SQLite schema runs ~60
Alembic migrations (5-15 s on a busy laptop). We copy a pre-migrated empty schema instead when its
revision matches the installed MLflow, and let MLflow migrate otherwise.

Every run logged through :func:`training_run` carries the lineage a reviewer asks for: git commit,
seed, package versions, feature-view versions and the training data (``mlflow.data`` with digest
and source).
"""

from __future__ import annotations

import contextlib
import gzip
import importlib.metadata
import logging
import os
import shutil
import sqlite3
import subprocess
import time
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reference_impl.errors import ConfigError, ErrorKind, IbmlError, RegistryError
from reference_impl.lifecycle.settings import LifecycleSettings
from reference_impl.workspace import PACKAGE_DIR, Workspace

# Set before MLflow is imported anywhere through this package: no telemetry, no progress bars.
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("DO_NOT_TRACK", "true")
os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")

TRACKING_URI_ENV = "IBML_MLFLOW_TRACKING_URI"
TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
PREFLIGHT_TIMEOUT_S = 3
#: Packages whose versions every run records (the ones that change a model's behaviour).
TRACKED_PACKAGES = ("ibml", "mlflow", "scikit-learn", "numpy", "pandas", "scipy", "shap", "skops")


@contextlib.contextmanager
def quiet_mlflow() -> Iterator[None]:
    """Silence MLflow's known, checked noise for the duration of a call.

    MLflow 3.17 trips SQLAlchemy 2.1's ``noload`` deprecation, pandas 3's ``Pandas4Warning``, a
    type-hint suggestion on ``PythonModel.predict`` and a cloudpickle advisory; its INFO logs
    ("Creating initial MLflow database tables...") go to stderr, which notebooks compare.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*``noload`` loader strategy is deprecated.*")
        warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"(mlflow|sqlalchemy|alembic)(\..*)?")
        warnings.filterwarnings("ignore", category=FutureWarning, module=r"mlflow(\..*)?")
        warnings.filterwarnings("ignore", message=r".*Add type hints to the `predict` method.*")
        warnings.filterwarnings("ignore", message=r".*type hint is inferred as AnyType.*")
        warnings.filterwarnings("ignore", category=UserWarning, module=r"mlflow(\..*)?")
        try:
            from pandas.errors import Pandas4Warning  # pandas >= 3

            warnings.filterwarnings("ignore", category=Pandas4Warning)
        except ImportError:  # pragma: no cover - older pandas
            pass
        import mlflow  # noqa: F401 - configures MLflow's loggers on first import; we override below

        mlflow_logger = logging.getLogger("mlflow")
        previous = mlflow_logger.level
        mlflow_logger.setLevel(logging.ERROR)
        try:
            yield
        finally:
            mlflow_logger.setLevel(previous)


#: MLflow error codes that name a fault of the request rather than of the store (anything else: UNAVAILABLE).
MLFLOW_ERROR_KINDS: Mapping[str, ErrorKind] = {
    "RESOURCE_DOES_NOT_EXIST": ErrorKind.NOT_FOUND,
    "NOT_FOUND": ErrorKind.NOT_FOUND,
    "RESOURCE_ALREADY_EXISTS": ErrorKind.CONFLICT,
    "ALREADY_EXISTS": ErrorKind.CONFLICT,
    "RESOURCE_CONFLICT": ErrorKind.CONFLICT,
    "INVALID_STATE": ErrorKind.CONFLICT,
    "INVALID_PARAMETER_VALUE": ErrorKind.INVALID,
    "BAD_REQUEST": ErrorKind.INVALID,
    "MALFORMED_REQUEST": ErrorKind.INVALID,
}


@contextlib.contextmanager
def mlflow_errors(action: str) -> Iterator[None]:
    """Run MLflow calls quietly and turn MLflow/database failures into one-line ``RegistryError`` naming ``action``.

    The error's ``kind`` comes from MLflow's error code (:data:`MLFLOW_ERROR_KINDS`: a missing model
    version is ``NOT_FOUND``); database, network and file-system failures are ``UNAVAILABLE``.
    An :class:`~reference_impl.errors.IbmlError` passes through unchanged; any other exception is a bug and
    propagates.

    >>> from mlflow.exceptions import MlflowException
    >>> from mlflow.protos.databricks_pb2 import RESOURCE_DOES_NOT_EXIST
    >>> try:
    ...     with mlflow_errors("reading m v9"):
    ...         raise MlflowException("Model Version (name=m, version=9) not found", RESOURCE_DOES_NOT_EXIST)
    ... except RegistryError as exc:
    ...     print(exc.kind.value, "|", exc)
    not_found | reading m v9 failed: Model Version (name=m, version=9) not found
    """
    try:
        with quiet_mlflow():
            yield
    except IbmlError:
        raise
    except Exception as exc:
        from mlflow.exceptions import MlflowException

        if not isinstance(exc, (MlflowException, OSError)) and "sqlalchemy" not in type(exc).__module__:
            raise
        text = " ".join(str(getattr(exc, "message", exc)).split())
        kind = MLFLOW_ERROR_KINDS.get(str(getattr(exc, "error_code", "")), ErrorKind.UNAVAILABLE)
        raise RegistryError(f"{action} failed: {text[:300]}", kind=kind) from exc


def default_tracking_uri(workspace: Workspace | None = None) -> str:
    """``$IBML_MLFLOW_TRACKING_URI`` if set, else the embedded SQLite store in the workspace."""
    env = LifecycleSettings().mlflow_tracking_uri
    if env:
        return env
    ws = workspace or Workspace.from_env()
    return f"sqlite:///{ws.mlflow_dir / 'mlflow.db'}"


def artifact_root(workspace: Workspace | None = None) -> Path:
    """Directory holding run and model artifacts for the embedded store."""
    return (workspace or Workspace.from_env()).mlflow_dir / "artifacts"


def sqlite_path(uri: str) -> Path | None:
    """The database file of a ``sqlite:///`` URI, ``None`` for any other scheme.

    >>> sqlite_path("sqlite:////tmp/x/mlflow.db")
    PosixPath('/tmp/x/mlflow.db')
    >>> sqlite_path("postgresql://u@h/db") is None
    True
    """
    if not uri.startswith("sqlite:///"):
        return None
    return Path(uri[len("sqlite:///") :])


def _schema_head() -> str:
    with quiet_mlflow():
        from mlflow.store.db.utils import _get_latest_schema_revision

        return _get_latest_schema_revision()


def prepare_sqlite_store(db_path: Path, artifacts: Path | None = None) -> None:
    """Create the SQLite store ``db_path`` if it does not exist yet, artifacts under ``artifacts``.

    Copies the pre-migrated template when its revision matches the installed MLflow (else MLflow
    migrates, slowly). Either way the ``Default`` experiment is created here with its artifact
    location inside the workspace: left to MLflow it would point at ``./mlruns`` in the current
    directory.
    """
    db_path = Path(db_path)
    if db_path.exists():
        return
    artifacts = Path(artifacts) if artifacts is not None else db_path.parent / "artifacts"
    db_path.parent.mkdir(parents=True, exist_ok=True)
    template = TEMPLATE_DIR / f"mlflow-schema-{_schema_head()}.sqlite.gz"
    tmp = db_path.with_name(f".{db_path.name}.tmp")
    if not template.exists():
        with quiet_mlflow():
            from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

            SqlAlchemyStore(f"sqlite:///{tmp}", artifacts.as_uri()).engine.dispose()
    else:
        with gzip.open(template, "rb") as src, open(tmp, "wb") as dst:
            shutil.copyfileobj(src, dst)
        now = int(time.time() * 1000)
        con = sqlite3.connect(tmp)
        try:
            con.execute(
                "INSERT INTO experiments (experiment_id, name, artifact_location, lifecycle_stage, "
                "creation_time, last_update_time) VALUES (0, 'Default', ?, 'active', ?, ?)",
                ((artifacts / "0").as_uri(), now, now),
            )
            con.commit()
        finally:
            con.close()
    os.replace(tmp, db_path)


def build_schema_template(out_dir: Path = TEMPLATE_DIR) -> Path:
    """(Maintainers) regenerate the empty, pre-migrated SQLite schema after an MLflow upgrade."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp, quiet_mlflow():
        from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

        db = Path(tmp) / "mlflow.db"
        store = SqlAlchemyStore(f"sqlite:///{db}", str(Path(tmp) / "artifacts"))
        store.engine.dispose()
        con = sqlite3.connect(db)
        # Drop the default experiment: MLflow recreates it with the right artifact root on open.
        for table in ("experiment_tags", "experiments"):
            con.execute(f"DELETE FROM {table}")
        con.commit()
        con.execute("VACUUM")
        con.close()
        out = Path(out_dir) / f"mlflow-schema-{_schema_head()}.sqlite.gz"
        with open(db, "rb") as src, gzip.GzipFile(out, "wb", mtime=0) as dst:
            shutil.copyfileobj(src, dst)
    return out


def check_store(uri: str) -> None:
    """Refuse quickly (``RegistryError``) if the tracking store is locked or unreachable.

    SQLite: the file must be writable and not held by another writer. PostgreSQL/MySQL: a
    connection must open within a few seconds. HTTP: the server's ``/health`` must answer.
    """
    path = sqlite_path(uri)
    if path is not None:
        if path.exists() and not os.access(path, os.R_OK | os.W_OK):
            raise RegistryError(f"tracking store {path} is not readable and writable", kind=ErrorKind.UNAVAILABLE)
        if not path.exists():
            return
        try:
            con = sqlite3.connect(path, timeout=PREFLIGHT_TIMEOUT_S)
            try:
                con.execute("BEGIN IMMEDIATE")
                con.rollback()
            finally:
                con.close()
        except sqlite3.OperationalError as exc:
            raise RegistryError(
                f"tracking store {path} is unusable ({exc}); is another process writing to it?",
                kind=ErrorKind.UNAVAILABLE,
            ) from exc
        return
    if uri.startswith(("http://", "https://")):
        import urllib.request

        try:
            with urllib.request.urlopen(uri.rstrip("/") + "/health", timeout=PREFLIGHT_TIMEOUT_S) as resp:
                resp.read()
        except OSError as exc:
            raise RegistryError(
                f"tracking server {uri} is unreachable: {getattr(exc, 'reason', exc)}", kind=ErrorKind.UNAVAILABLE
            ) from exc
        return
    if uri.startswith(("postgresql", "mysql", "mssql")):
        require_db_driver(uri)
        import sqlalchemy

        connect_args = {"connect_timeout": PREFLIGHT_TIMEOUT_S} if uri.startswith(("postgresql", "mysql")) else {}
        engine = sqlalchemy.create_engine(uri, connect_args=connect_args)
        try:
            with engine.connect():
                pass
        except Exception as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise RegistryError(
                f"tracking store {redact_uri(uri)} is unreachable: {reason}", kind=ErrorKind.UNAVAILABLE
            ) from exc
        finally:
            engine.dispose()
        return
    if "://" not in uri or uri.startswith("file:"):
        raise RegistryError(
            f"tracking URI {uri!r} is a file store; use sqlite:///..., postgresql://... or http://...",
            kind=ErrorKind.INVALID,
        )
    scheme = uri.split("://", 1)[0].split("+", 1)[0].lower()
    if scheme not in ("sqlite", "postgresql", "postgres", "mysql", "mssql", "http", "https", "databricks"):
        raise RegistryError(
            f"unsupported tracking URI {redact_uri(uri)!r}: use sqlite:///..., postgresql://... or http://...",
            kind=ErrorKind.INVALID,
        )


def require_db_driver(uri: str) -> None:
    """Refuse in one line, naming the extra to install, when a ``postgresql://`` URI has no driver.

    >>> require_db_driver("sqlite:///x.db")  # nothing to check
    """
    scheme = uri.split("://", 1)[0].lower()
    if not scheme.startswith("postgres"):
        return
    import importlib.util

    driver = scheme.partition("+")[2]
    if not any(importlib.util.find_spec(m) is not None for m in ([driver] if driver else ["psycopg2", "psycopg"])):
        raise ConfigError(
            f"the PostgreSQL store {redact_uri(uri)} needs the 'postgres' extra: pip install 'ibml[postgres]'"
        )


def normalise_db_uri(uri: str) -> str:
    """Name the PostgreSQL driver we ship (psycopg2) when the URI leaves it to SQLAlchemy.

    SQLAlchemy 2.1 maps a bare ``postgresql://`` to psycopg 3, which is not installed here.

    >>> normalise_db_uri("postgresql://u:p@h/db") in ("postgresql+psycopg2://u:p@h/db", "postgresql://u:p@h/db")
    True
    >>> normalise_db_uri("sqlite:///x.db")
    'sqlite:///x.db'
    """
    if uri.startswith(("postgresql://", "postgres://")):
        import importlib.util

        if importlib.util.find_spec("psycopg") is None and importlib.util.find_spec("psycopg2") is not None:
            return "postgresql+psycopg2://" + uri.split("://", 1)[1]
    return uri


def redact_uri(uri: str) -> str:
    """Hide a password in a database URI before it reaches a message or a log.

    >>> redact_uri("postgresql://ibml:secret@127.0.0.1:5432/db")
    'postgresql://ibml:***@127.0.0.1:5432/db'
    """
    if "@" not in uri or "://" not in uri:
        return uri
    scheme, rest = uri.split("://", 1)
    creds, host = rest.rsplit("@", 1)
    user = creds.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}" if ":" in creds else uri


@dataclass(frozen=True)
class TrackingStore:
    """A resolved tracking store: the URI plus where new experiments keep their artifacts."""

    uri: str
    artifact_root: Path | None

    def experiment_artifact_location(self, experiment: str) -> str | None:
        """Per-experiment artifact directory (embedded store) or ``None`` (server decides)."""
        if self.artifact_root is None:
            return None
        return (self.artifact_root / experiment).as_uri()


def resolve_store(tracking_uri: str | None = None, workspace: Workspace | None = None) -> TrackingStore:
    """The store to use: an explicit URI, ``$IBML_MLFLOW_TRACKING_URI``, or the workspace SQLite file."""
    ws = workspace or Workspace.from_env()
    uri = normalise_db_uri(tracking_uri or default_tracking_uri(ws))
    db = sqlite_path(uri)
    if db is not None:
        root = db.parent / "artifacts"
    elif uri.startswith(("postgresql", "mysql", "mssql")):
        root = artifact_root(ws)
    else:
        root = None
    return TrackingStore(uri=uri, artifact_root=root)


def open_client(tracking_uri: str | None = None, workspace: Workspace | None = None) -> tuple[Any, TrackingStore]:
    """An ``MlflowClient`` on a checked store, plus the store; raises ``RegistryError`` if unusable."""
    store = resolve_store(tracking_uri, workspace)
    db = sqlite_path(store.uri)
    if db is not None:
        try:
            prepare_sqlite_store(db, store.artifact_root)
        except OSError as exc:
            raise RegistryError(
                f"cannot create tracking store {db}: {exc.strerror or exc}", kind=ErrorKind.UNAVAILABLE
            ) from exc
    check_store(store.uri)
    with quiet_mlflow():
        import mlflow
        from mlflow import MlflowClient

        mlflow.set_tracking_uri(store.uri)
        mlflow.set_registry_uri(store.uri)
        client = MlflowClient(tracking_uri=store.uri, registry_uri=store.uri)
    return client, store


def ensure_experiment(client: Any, store: TrackingStore, name: str) -> str:
    """Id of experiment ``name``, creating it with its own artifact location if needed."""
    with quiet_mlflow():
        exp = client.get_experiment_by_name(name)
        if exp is not None:
            return exp.experiment_id
        return client.create_experiment(name, artifact_location=store.experiment_artifact_location(name))


def git_commit(repo: Path | None = None) -> str:
    """The checked-out commit (with ``-dirty`` if the tree has changes), or ``unknown`` outside git.

    By default the checkout that holds this package's own files: ``unknown`` for a wheel installed
    in a virtual environment, even one that lives inside some other git repository.
    """
    if repo is None:
        repo = PACKAGE_DIR
        try:
            subprocess.run(
                ["git", "ls-files", "--error-unmatch", "__init__.py"],
                cwd=repo,
                capture_output=True,
                timeout=5,
                check=True,
            )
        except (OSError, subprocess.SubprocessError):
            return "unknown"
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True, timeout=5, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=repo,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{sha}-dirty" if dirty else sha


def package_versions(packages: tuple[str, ...] = TRACKED_PACKAGES) -> dict[str, str]:
    """Installed version of each package (``not-installed`` when absent)."""
    out: dict[str, str] = {}
    for name in packages:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = "not-installed"
    return out


def pip_requirements(
    packages: tuple[str, ...] = ("mlflow", "scikit-learn", "numpy", "pandas", "scipy", "skops"),
) -> list[str]:
    """Pinned requirements for a logged model: explicit, because MLflow's inference costs seconds."""
    return [f"{name}=={ver}" for name, ver in package_versions(packages).items() if ver != "not-installed"]


@dataclass(frozen=True)
class RunLineage:
    """What a training run records so it can be reproduced and reviewed.

    Attributes
    ----------
    recipe : str
        The training recipe (``anomaly`` or ``kyc``); ``--reproduce`` dispatches on it.
    seed : int
        The one seed every random draw derives from.
    params : dict
        Recipe parameters (data scale, sizes, hyper-parameters) as logged MLflow params.
    feature_views : dict
        Feature-view name -> version used to build the training matrix.
    data_digests : dict
        Input name -> SHA-256 of the data as loaded.
    """

    recipe: str
    seed: int
    params: Mapping[str, Any]
    feature_views: Mapping[str, str]
    data_digests: Mapping[str, str]


def lineage_tags(lineage: RunLineage) -> dict[str, str]:
    """The MLflow tags a run carries for its lineage (all strings, ``ibml.`` namespaced)."""
    tags = {
        "ibml.recipe": lineage.recipe,
        "ibml.seed": str(lineage.seed),
        "ibml.git_commit": git_commit(),
        "mlflow.source.git.commit": git_commit().removesuffix("-dirty"),
    }
    tags.update({f"ibml.package.{k}": v for k, v in package_versions().items()})
    tags.update({f"ibml.feature_view.{k}": str(v) for k, v in lineage.feature_views.items()})
    tags.update({f"ibml.data_digest.{k}": v for k, v in lineage.data_digests.items()})
    return tags


@contextlib.contextmanager
def training_run(
    experiment: str,
    lineage: RunLineage,
    *,
    run_name: str | None = None,
    tracking_uri: str | None = None,
    workspace: Workspace | None = None,
) -> Iterator[Any]:
    """Start an MLflow run that already carries params, seed and lineage tags; yields the run.

    The run is marked FAILED if the body raises, so a half-trained model never looks finished.
    """
    client, store = open_client(tracking_uri, workspace)
    experiment_id = ensure_experiment(client, store, experiment)
    with quiet_mlflow():
        import mlflow

        run = mlflow.start_run(experiment_id=experiment_id, run_name=run_name)
        try:
            mlflow.log_params({"seed": lineage.seed, "recipe": lineage.recipe, **dict(lineage.params)})
            mlflow.set_tags(lineage_tags(lineage))
            yield run
        except BaseException:
            mlflow.end_run(status="FAILED")
            raise
        else:
            mlflow.end_run(status="FINISHED")


def log_dataset(
    frame: Any,
    *,
    name: str,
    source: str | Mapping[str, Any],
    context: str = "training",
    targets: str | None = None,
) -> str:
    """Log ``frame`` as an ``mlflow.data`` input of the active run; return MLflow's digest.

    ``source`` is a path or URI the data was read from, or — for data generated in memory — a
    mapping describing the generator call (function, seed, sizes), recorded as a code source.
    """
    with quiet_mlflow():
        import mlflow
        from mlflow.data.code_dataset_source import CodeDatasetSource

        src: Any = (
            CodeDatasetSource({str(k): str(v) for k, v in source.items()})
            if isinstance(source, Mapping)
            else str(source)
        )
        from mlflow.data.pandas_dataset import from_pandas

        dataset = from_pandas(frame, source=src, name=name, targets=targets)
        mlflow.log_input(dataset, context=context)
        return dataset.digest


def log_figure(fig: Any, artifact_file: str) -> None:
    """Log a matplotlib figure as a PNG artifact of the active run.

    Recipes build ``matplotlib.figure.Figure`` objects directly (not through pyplot), so nothing
    needs closing and no GUI backend is touched.
    """
    with quiet_mlflow():
        import mlflow

        mlflow.log_figure(fig, artifact_file)


__all__ = [
    "RunLineage",
    "TrackingStore",
    "TRACKING_URI_ENV",
    "artifact_root",
    "build_schema_template",
    "check_store",
    "default_tracking_uri",
    "ensure_experiment",
    "git_commit",
    "require_db_driver",
    "lineage_tags",
    "log_dataset",
    "log_figure",
    "MLFLOW_ERROR_KINDS",
    "mlflow_errors",
    "open_client",
    "package_versions",
    "pip_requirements",
    "prepare_sqlite_store",
    "quiet_mlflow",
    "normalise_db_uri",
    "redact_uri",
    "resolve_store",
    "sqlite_path",
    "training_run",
]
