# The ibml scoring service (`ibml serve`) as a container image; docs/cicd.md explains the choices.
#
# - Dependencies come from requirements.lock with --require-hashes: the image holds exactly the
#   packages the tests ran with, and a tampered or re-uploaded wheel fails the build.
# - It holds code only. The model is not baked in: with IBML_MODEL_SOURCE=registry the service loads
#   @champion from the tracking store named by IBML_MLFLOW_TRACKING_URI when it starts, so the image
#   serves whatever the four-eyes step promoted, and each decision's audit record names that version.
# - No secrets: the tracking URI, the API-key secret (IBML_API_KEYS_SECRET_FILE) and the audit anchor
#   key are given at run time (environment, mounted files), never copied in. .dockerignore keeps the
#   workspace (.ibml/), identity directories and keys out of the build context.
# - Runs as an unprivileged user; the workspace is a volume at /var/lib/ibml.
#
#   docker build -t ibml-serving .
#   docker run -p 8000:8000 -e IBML_MLFLOW_TRACKING_URI=... -v ibml-state:/var/lib/ibml ibml-serving
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    MLFLOW_DISABLE_TELEMETRY=true \
    DO_NOT_TRACK=true

WORKDIR /opt/ibml

# Locked, hashed dependencies first: this layer is rebuilt only when the lock changes.
COPY requirements.lock ./
RUN python -m pip install --no-cache-dir --require-hashes -r requirements.lock

# The package itself, without dependencies (all locked above) and with the locked setuptools.
COPY pyproject.toml README.md ./
COPY reference_impl ./reference_impl
RUN python -m pip install --no-cache-dir --no-deps --no-build-isolation . \
    && python -m pip check \
    && groupadd --system --gid 10001 ibml \
    && useradd --system --uid 10001 --gid ibml --create-home --home-dir /home/ibml --shell /usr/sbin/nologin ibml \
    && mkdir -p /var/lib/ibml \
    && chown ibml:ibml /var/lib/ibml

USER 10001:10001
WORKDIR /home/ibml
ENV IBML_HOME=/var/lib/ibml \
    IBML_HOST=0.0.0.0 \
    IBML_PORT=8000 \
    IBML_MODEL_SOURCE=registry
VOLUME ["/var/lib/ibml"]
EXPOSE 8000

# Ready, not merely alive: /readyz is 503 until the models are loaded and the audit log is writable.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, sys, urllib.request; url = 'http://127.0.0.1:' + os.environ.get('IBML_PORT', '8000') + '/readyz'; sys.exit(0 if urllib.request.urlopen(url, timeout=3).status == 200 else 1)"]

CMD ["ibml", "serve"]
