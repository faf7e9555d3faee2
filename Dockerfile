# syntax=docker/dockerfile:1
# Production image: `docker build -t fullcircle .` (see docs/operations.md, "Docker").
#
# The app reads templates/, migrations/ and alembic.ini from beside the `app` package
# (app/templating.py, app/migrations_state.py), so the source tree is kept together in
# /srv/fullcircle and installed there in editable mode rather than as a plain wheel.
# Both stages use the same base image, so the venv's interpreter links stay valid.

FROM python:3.11-slim AS builder

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

RUN python -m venv /opt/venv
ENV PATH="/opt/venv/bin:$PATH"

WORKDIR /srv/fullcircle

# Dependencies first, in their own layer: they change far less often than the code.
# A stub package is enough for pip to resolve and install them.
COPY pyproject.toml ./
RUN mkdir app && touch app/__init__.py \
    && pip install . \
    && pip uninstall --yes fullcircle \
    && rm -rf app build ./*.egg-info

COPY alembic.ini ./
COPY app/ app/
COPY templates/ templates/
COPY migrations/ migrations/
RUN pip install --no-deps --editable . \
    && rm -rf build \
    && python -m compileall -q app migrations /opt/venv/lib


FROM python:3.11-slim

ENV PATH="/opt/venv/bin:$PATH" \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    FULLCIRCLE_ENV=production

RUN groupadd --system --gid 10001 fullcircle \
    && useradd --system --uid 10001 --gid fullcircle --home-dir /srv/fullcircle \
       --no-create-home --shell /usr/sbin/nologin fullcircle

COPY --from=builder /opt/venv /opt/venv
COPY --from=builder /srv/fullcircle /srv/fullcircle

WORKDIR /srv/fullcircle
# The only place the app user may write: SQLite databases and the instance dir, if used.
RUN mkdir data && chown fullcircle:fullcircle data
ENV FULLCIRCLE_INSTANCE_DIR=/srv/fullcircle/data/instance

USER 10001:10001
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=3)"]

CMD ["fullcircle", "serve", "--host", "0.0.0.0", "--port", "8000"]
