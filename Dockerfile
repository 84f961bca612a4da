# OnRecord under gunicorn (gevent workers: a slow client holds no worker); `onrecord serve` applies migrations before it serves.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY pyproject.toml README.md ./
COPY service ./service
COPY schema ./schema
COPY examples ./examples
# The search index lives on local disk, one per instance (a volume keeps it across restarts).
ENV ONRECORD_INDEX_DIR=/var/lib/onrecord/index
# A plain install, as users and tests/test_install.py do: no editable install, no extras.
RUN pip install . \
    && useradd --system --home-dir /app onrecord \
    && mkdir -p /var/lib/onrecord && chown onrecord /var/lib/onrecord

USER onrecord
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/ready', timeout=3).status != 200)"]
CMD ["onrecord", "serve", "--host", "0.0.0.0", "--port", "8000"]
