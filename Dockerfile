# The production image: gunicorn web, Celery worker and Celery beat all run from it
# (see docker-compose.yml). Configured entirely by environment variables; the
# settings refuse to start in production with an unsafe value.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# pango for WeasyPrint (PDF evaluations), CJK fonts for Chinese PDFs, gettext for
# compilemessages.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-cjk gettext \
    && rm -rf /var/lib/apt/lists/*

# Dependencies first, so that a change of the code does not reinstall them.
# pyproject.toml declares no packages ([tool.setuptools] packages = []), so
# `pip install .` installs exactly the dependencies; the source is copied below
# and run from /app.
COPY pyproject.toml /tmp/build/pyproject.toml
RUN pip install /tmp/build && rm -rf /tmp/build

WORKDIR /app
COPY . .

# Compiled in development mode (no production secrets exist at build time).
RUN python manage.py compilemessages --verbosity 0 \
    && useradd --system --create-home --uid 10001 --user-group app \
    && mkdir -p /app/staticfiles /app/media /app/var/beat \
    && chown -R app:app /app/staticfiles /app/media /app/var

# Named volumes mounted on /app/media and /app/var/beat start out owned by `app`,
# because these directories exist in the image with that owner.
ENV DJANGO_ENV=production \
    STATIC_ROOT=/app/staticfiles \
    MEDIA_ROOT=/app/media \
    TWINNING_VAR_DIR=/app/var

USER app
EXPOSE 8000

CMD ["gunicorn", "twinning.wsgi:application", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
