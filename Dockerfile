# 工会办公管理系统: production image (gunicorn by default; the same image runs the Celery worker and
# beat). Configuration comes only from the environment: see docs/settings.md and docs/processes.md.

# --- Stage 1: front-end packages from npm (Bootstrap, Bootstrap Icons, htmx, SortableJS) -------
# The app serves them itself through whitenoise; intranet installations have no CDN.
# Node 24: an LTS line supported until 2028 (Node 20 reached its end of life in April 2026).
FROM node:24.11.1-bookworm-slim AS assets
WORKDIR /assets
COPY package.json package-lock.json* ./
RUN if [ -f package-lock.json ]; then npm ci --omit=dev; else npm install --omit=dev; fi \
    && npm cache clean --force

# --- Stage 2: the Django application ----------------------------------------------------------
FROM python:3.12.12-slim-bookworm

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
# Fixed in the image so that collectstatic (build time) and whitenoise (run time) use one folder.
ENV DJANGO_STATIC_ROOT=/app/staticfiles
# Uploads are private (views stream them after a permission check): mount a volume here.
ENV DJANGO_MEDIA_ROOT=/data/media

# WeasyPrint needs Pango/HarfBuzz at run time and Noto CJK to draw Chinese text in PDFs;
# fontconfig provides fc-cache so the font cache is built once here, not at every start.
# gettext provides msgfmt for compilemessages. postgresql-client (15 on bookworm, as the
# postgres:15 server) gives pg_dump and pg_restore to `manage.py backup` and `restore`.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk fonts-arphic-gkai00mp fontconfig gettext \
        postgresql-client \
    && fc-cache -f \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
# The lock (make lock) pins every package, direct or not, with its hashes: the image installs exactly
# what was tested, and a tampered download fails the build.
COPY requirements.lock ./
RUN pip install --no-cache-dir --require-hashes -r requirements.lock

COPY . .
COPY --from=assets /assets/node_modules /app/node_modules

# Settings refuse to load in production without a secret key and allowed hosts; the values below
# exist only inside this RUN step and are not part of the image's environment.
# compilemessages fails when there is no locale/ directory at all, so it runs only once one exists.
RUN set -eu; \
    export DJANGO_ENV=production \
        DJANGO_SECRET_KEY=build-only-throwaway-key-not-used-at-run-time-0123456789abcdef \
        FIELD_ENCRYPTION_KEY=build-only-throwaway-field-key-0123456789abcdef \
        DJANGO_ALLOWED_HOSTS=build.invalid; \
    if [ -n "$(find . -path ./node_modules -prune -o -type d -name locale -print -quit)" ]; then \
        python manage.py compilemessages --ignore=node_modules; \
    else \
        echo "No locale/ directory yet: skipping compilemessages"; \
    fi; \
    python manage.py collectstatic --noinput

# Run as an unprivileged user. The code stays owned by root (read-only for the app); only the
# upload folders, /backups and var/ (SQLite fallback, unused when DATABASE_URL is set) are
# writable. /data/private must exist here: a new named volume takes its owner from the image, and
# a root-owned one would refuse every welfare upload.
# A numeric UID lets Kubernetes' runAsNonRoot verify it; the home directory holds gunicorn's
# control socket and the fontconfig cache.
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --create-home --home-dir /home/app \
        --shell /usr/sbin/nologin app \
    && mkdir -p /data/media /data/private /backups /app/var \
    && chown app:app /data/media /data/private /backups /app/var
USER 10001:10001

EXPOSE 8000

# GUNICORN_WORKERS: worker processes (default 3). GUNICORN_TIMEOUT: seconds before a stuck worker
# is restarted (default 60, room for a large export). /dev/shm keeps the worker
# heartbeat files off the container's overlay filesystem.
CMD ["sh", "-c", "exec gunicorn union_office.wsgi:application --bind 0.0.0.0:8000 --workers \"${GUNICORN_WORKERS:-3}\" --timeout \"${GUNICORN_TIMEOUT:-60}\" --graceful-timeout 30 --worker-tmp-dir /dev/shm --access-logfile -"]
