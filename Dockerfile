# Harbor's one image: web (daphne), Celery worker and beat differ only by command.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_PROJECT_ENVIRONMENT=/opt/venv \
    UV_PYTHON_DOWNLOADS=never \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    PATH=/opt/venv/bin:$PATH

RUN pip install --no-cache-dir uv==0.13.8

WORKDIR /app

# Dependencies first, from the lock file alone, so a code change reuses this layer.
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-cache --python python3.11

COPY . .

# Static files are baked into the image; collectstatic needs settings to load, not real secrets.
# DEBUG=1 only for this build step: with DEBUG off Harbor insists on production's values.
RUN SECRET_KEY=collectstatic-at-build-time-only-never-serves-a-request-0123456789 \
    DEBUG=1 python manage.py collectstatic --noinput

# Run as an unprivileged user that writes nowhere in the image (beat keeps its schedule in memory)
# but var/recordings, where compose mounts the recordings volume (it takes this owner).
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin harbor \
    && mkdir -p /app/var/recordings && chown harbor /app/var/recordings && chmod 700 /app/var/recordings
USER harbor

EXPOSE 8000
# WEB_CONCURRENCY daphne processes (default: one per CPU) share the port (iop/serve.py). No
# --proxy-headers: daphne would believe any peer's X-Forwarded-For. Harbor believes it only
# from TRUSTED_PROXIES (iop/proxies.py).
CMD ["python", "-m", "iop.serve", "-b", "0.0.0.0", "-p", "8000"]
