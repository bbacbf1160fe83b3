"""Start and stop a Spark session that runs offline on one machine, or on a cluster given ``--master``.

Why the settings: ``local[2]`` with the UI off and the driver bound to ``127.0.0.1`` needs no network
at all (CI and laptops behind a proxy); the session time zone is UTC because every timestamp in
ibml is UTC and pandas UDFs hand timestamps over in the session zone; shuffles use a few partitions
locally because each tiny task costs ~0.1 s. Workers run the venv's interpreter (``sys.executable``)
so they import the same ``reference_impl`` and model code as the driver.

Why the preflight in :func:`check_master`: an unreachable standalone master makes Spark retry for a
minute or more before it gives up with a page of stack trace. We refuse at once, in one line.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import re
import shutil
import socket
import sys
import warnings
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import urlparse

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from reference_impl.errors import ConfigError

#: The default master: two local cores, no cluster, no network.
LOCAL_MASTER = "local[2]"
#: Seconds to wait for a TCP connection to a remote master before refusing.
CONNECT_TIMEOUT_S = 3.0

_LOCAL = re.compile(r"^local(\[(\*|[1-9]\d*)(,\s*[1-9]\d*)?\])?$")
_LOCAL_CLUSTER = re.compile(r"^local-cluster\[\d+,\s*\d+,\s*\d+\]$")


def require_pyspark() -> None:
    """Refuse in one line, naming the extra to install, when pyspark is not installed."""
    if importlib.util.find_spec("pyspark") is None:
        raise ConfigError("the Spark engine needs the 'spark' extra: pip install 'ibml[spark]'")


def is_local(master: str) -> bool:
    """True for ``local``, ``local[N]``, ``local[*]`` and ``local[N,F]`` masters.

    >>> is_local("local[2]"), is_local("spark://h:7077")
    (True, False)
    """
    return bool(_LOCAL.match(master.strip()))


def local_cores(master: str) -> int:
    """Worker threads of a local master (``local[*]`` = this machine's CPUs).

    >>> local_cores("local[2]"), local_cores("local")
    (2, 1)
    """
    m = _LOCAL.match(master.strip())
    if not m:
        raise ConfigError(f"Spark master {master!r} is not a local master")
    if m.group(2) is None:
        return 1
    if m.group(2) == "*":
        return os.cpu_count() or 1
    return int(m.group(2))


def _endpoints(master: str) -> list[tuple[str, int]]:
    """The (host, port) pairs a master URL points at (several for a standalone HA master list)."""
    if master.startswith("spark://"):
        out = []
        for part in master[len("spark://") :].split(","):
            host, sep, port = part.strip().rpartition(":")
            if not sep or not host or not port.isdigit():
                raise ConfigError(f"Spark master {master!r}: expected spark://HOST:PORT[,HOST:PORT...]")
            out.append((host.strip("[]"), int(port)))
        return out
    if master.startswith("k8s://"):
        url = urlparse(
            master[len("k8s://") :] if "://" in master[len("k8s://") :] else "https://" + master[len("k8s://") :]
        )
        if not url.hostname:
            raise ConfigError(f"Spark master {master!r}: expected k8s://https://HOST:PORT")
        return [(url.hostname, url.port or (443 if url.scheme == "https" else 80))]
    return []


def check_master(master: str, timeout: float = CONNECT_TIMEOUT_S) -> str:
    """Validate a ``--master`` value and, for a remote master, prove it accepts connections.

    Accepted: ``local[...]``, ``local-cluster[...]``, ``spark://HOST:PORT[,...]``, ``k8s://...``
    and ``yarn`` (which reads its address from ``HADOOP_CONF_DIR``; nothing to probe here).
    Raises :class:`~reference_impl.errors.ConfigError` with one line naming the master otherwise.

    >>> check_master("local[2]")
    'local[2]'
    >>> check_master("mesos://h:5050")
    Traceback (most recent call last):
    ...
    reference_impl.errors.ConfigError: Spark master 'mesos://h:5050' is not supported; use local[N], spark://HOST:PORT, k8s://https://HOST:PORT or yarn
    """
    master = master.strip()
    if is_local(master) or _LOCAL_CLUSTER.match(master) or master == "yarn":
        return master
    endpoints = _endpoints(master)
    if not endpoints:
        raise ConfigError(
            f"Spark master {master!r} is not supported; use local[N], spark://HOST:PORT, "
            "k8s://https://HOST:PORT or yarn"
        )
    errors = []
    for host, port in endpoints:
        try:
            with socket.create_connection((host, port), timeout=timeout):
                return master
        except OSError as exc:
            errors.append(f"{host}:{port} ({exc.strerror or type(exc).__name__})")
    raise ConfigError(f"Spark master {master} cannot be reached: {', '.join(errors)}")


def check_java() -> str:
    """The ``java`` executable Spark will use; :class:`ConfigError` when there is none."""
    home = os.environ.get("JAVA_HOME")
    candidate = os.path.join(home, "bin", "java") if home else shutil.which("java")
    if not candidate or not os.path.exists(candidate):
        raise ConfigError("Spark needs a Java runtime (17 or 21): install OpenJDK or set JAVA_HOME")
    return candidate


@contextlib.contextmanager
def quiet_spark() -> Iterator[None]:
    """Silence pyspark's checked noise on the driver for the duration of a call.

    pyspark 4.3 warns on every pandas conversion that pandas >= 3 is "not fully supported"
    (a ``FutureWarning``) and trips pandas 3.1 deprecations (``Series.values`` on tz-aware data,
    ``astype(copy=...)``). We checked the paths we use — Arrow conversion of strings, floats,
    booleans and UTC timestamps, ``applyInPandas``, cogroups and ``spark_udf`` — give results equal
    to pandas (``tests/integration/test_batch_spark.py``).
    """
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message=r".*PySpark does not yet fully support pandas.*", category=FutureWarning
        )
        warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"(pyspark|py4j)(\..*)?")
        warnings.filterwarnings("ignore", message=r".*Series\.values returning an ndarray.*")
        warnings.filterwarnings("ignore", message=r".*The copy keyword is deprecated.*")
        try:
            from pandas.errors import Pandas4Warning  # pandas >= 3

            warnings.filterwarnings("ignore", category=Pandas4Warning, module=r"(pyspark|pandas)(\..*)?")
        except ImportError:  # pragma: no cover - older pandas
            pass
        yield


#: Log4j 2 configuration for the driver JVM: errors only. Spark's default profile prints INFO/WARN
#: lines (and a banner) to stderr, which a notebook would show and nbval would compare. The explicit
#: ``org`` logger matters: without it pyspark's shell logic "restores" WARN and says so on stderr.
LOG4J2_PROPERTIES = """\
rootLogger.level = error
rootLogger.appenderRef.stderr.ref = console
logger.org.name = org
logger.org.level = error
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{yy/MM/dd HH:mm:ss} %p %c{1}: %m%n%ex
"""


def log4j_config_file() -> str:
    """Write :data:`LOG4J2_PROPERTIES` once to the temp directory (named by its digest); return its path."""
    import hashlib
    import tempfile

    digest = hashlib.sha256(LOG4J2_PROPERTIES.encode()).hexdigest()[:12]
    path = os.path.join(tempfile.gettempdir(), f"ibml-spark-log4j2-{digest}.properties")
    if not os.path.exists(path):
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "w") as fh:
            fh.write(LOG4J2_PROPERTIES)
        os.replace(tmp, path)
    return path


#: Worker processes print Python warnings to the JVM's stderr; the same checked noise is silenced there.
_WORKER_WARNINGS = "ignore::FutureWarning,ignore::DeprecationWarning"


#: JVM heap of a local session (``spark.driver.memory``; Spark's default is 1g). In local mode the
#: executors live in the driver JVM, and the Arrow buffers that carry a whole desk to a Python worker
#: are direct memory, capped at the heap size: at 10M trades a day a desk is ~1.1M rows and 1g ran
#: out (``OutOfMemoryException: Failure allocating buffer``). Override with IBML_SPARK_DRIVER_MEMORY.
LOCAL_DRIVER_MEMORY = "6g"


class SparkSettings(BaseSettings):
    """Spark knobs read from the environment (``IBML_SPARK_*``); built afresh by :func:`session_config`.

    Examples
    --------
    >>> SparkSettings(spark_driver_memory="2g").spark_driver_memory
    '2g'
    """

    model_config = SettingsConfigDict(env_prefix="IBML_", extra="ignore", frozen=True, env_ignore_empty=True)

    spark_driver_memory: str = Field(
        LOCAL_DRIVER_MEMORY,
        pattern=r"^[1-9][0-9]*([kmgtpKMGTP][bB]?)?$",
        description="JVM heap of a local Spark session (spark.driver.memory)",
    )


def session_config(master: str, app_name: str = "ibml-batch") -> dict[str, str]:
    """The Spark settings :func:`start_session` uses (printed by ``docs/spark.md``'s ``spark-submit``)."""
    conf = {
        "spark.app.name": app_name,
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.execution.arrow.pyspark.enabled": "true",
        "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
        "spark.pyspark.python": sys.executable,
        "spark.executorEnv.PYTHONWARNINGS": _WORKER_WARNINGS,
        "spark.driver.extraJavaOptions": f"-Dlog4j2.configurationFile=file:{log4j_config_file()}",
    }
    if is_local(master):
        cores = local_cores(master)
        conf.update(
            {
                "spark.driver.memory": _spark_settings().spark_driver_memory,
                "spark.driver.bindAddress": "127.0.0.1",
                "spark.driver.host": "127.0.0.1",
                "spark.sql.shuffle.partitions": str(max(2, cores)),
                "spark.default.parallelism": str(max(2, cores)),
            }
        )
    return conf


def _spark_settings() -> SparkSettings:
    try:
        return SparkSettings()
    except ValidationError as exc:  # the only field is the memory size
        raise ConfigError(
            f"IBML_SPARK_DRIVER_MEMORY={exc.errors()[0].get('input')!r} is not a JVM size such as 6g or 4096m"
        ) from None


@contextlib.contextmanager
def _fds_to(path: str | os.PathLike[str] | None) -> Iterator[None]:
    """Point file descriptors 1 and 2 at ``path`` while a child process is spawned (it keeps them).

    The JVM writes straight to the file descriptors it inherits — e.g. the launcher's unconditional
    "WARNING: Using incubator modules" — which a notebook kernel forwards into whichever cell is
    running. ``None`` leaves them alone (the CLI: operators should see JVM errors).
    """
    if path is None:
        yield
        return
    sys.stdout.flush()
    sys.stderr.flush()
    saved = [os.dup(1), os.dup(2)]
    with open(path, "ab") as log:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
    try:
        yield
    finally:
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in saved:
            os.close(fd)


def start_session(
    master: str = LOCAL_MASTER,
    *,
    app_name: str = "ibml-batch",
    conf: Mapping[str, str] | None = None,
    jvm_log: str | os.PathLike[str] | None = None,
) -> Any:
    """A new (or the running) ``SparkSession`` on ``master``; one-line :class:`ConfigError` if it cannot start.

    ``jvm_log`` (optional) receives the JVM's and the Python workers' own stdout/stderr.
    """
    require_pyspark()
    master = check_master(master)
    check_java()
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    if is_local(master):
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    with quiet_spark():
        from pyspark.sql import SparkSession

        builder = SparkSession.builder.master(master)
        for key, value in {**session_config(master, app_name), **dict(conf or {})}.items():
            builder = builder.config(key, value)
        try:
            with _fds_to(jvm_log):
                return builder.getOrCreate()
        except Exception as exc:
            text = " ".join(str(exc).split())[:300] or type(exc).__name__
            raise ConfigError(f"cannot start Spark on {master}: {text}") from exc


@contextlib.contextmanager
def spark_session(master: str = LOCAL_MASTER, **kwargs: Any) -> Iterator[Any]:
    """``with spark_session("local[2]") as spark:`` — started on entry, stopped on exit."""
    spark = start_session(master, **kwargs)
    try:
        yield spark
    finally:
        with quiet_spark():
            spark.stop()


__all__ = [
    "CONNECT_TIMEOUT_S",
    "LOCAL_DRIVER_MEMORY",
    "LOCAL_MASTER",
    "SparkSettings",
    "check_java",
    "check_master",
    "is_local",
    "local_cores",
    "log4j_config_file",
    "quiet_spark",
    "require_pyspark",
    "session_config",
    "spark_session",
    "start_session",
]
