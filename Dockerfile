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

# Run as an unprivileged user; var/ holds beat's schedule and is the only place it writes.
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin harbor \
    && mkdir -p /app/var \
    && chown harbor:harbor /app/var
USER harbor

EXPOSE 8000
# --proxy-headers: behind a TLS-terminating proxy the client address comes from X-Forwarded-For.
CMD ["daphne", "--proxy-headers", "-b", "0.0.0.0", "-p", "8000", "iop.asgi:application"]
