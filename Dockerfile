# One image for web, worker and beat (see docker-compose.yml). Two stages: the build stage
# compiles translations and collects static files; the final image has the runtime
# requirements only (requirements.txt: no test or development tools, no compilers, no
# gettext). .dockerignore keeps .env, var/ (keys, databases), .venv and .git out.

FROM python:3.11.7-slim-bookworm AS build
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DEBUG=false
RUN apt-get update \
 && apt-get install -y --no-install-recommends gdal-bin libgeos-c1v5 libproj25 gettext \
    libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
# Settings need keys to load; these exist for this build step only and are thrown away.
RUN export SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(64))')" \
           AUDIT_HMAC_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(64))')" \
 && python manage.py compilemessages --ignore=.venv -v 0 \
 && STATIC_ROOT=/app/staticfiles python manage.py collectstatic --noinput -v 0

FROM python:3.11.7-slim-bookworm AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DEBUG=false \
    PATH=/opt/venv/bin:$PATH STATIC_ROOT=/app/staticfiles
RUN apt-get update \
 && apt-get install -y --no-install-recommends gdal-bin libgeos-c1v5 libproj25 postgresql-client \
    libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY --from=build /app /app
RUN useradd --system --uid 1000 khareetaty && mkdir -p /var/khareetaty && chown khareetaty /var/khareetaty
USER khareetaty
EXPOSE 8000
# DB_POOL_MAX_SIZE (set for the web service in docker-compose.yml) bounds each process's
# database connections through psycopg's pool. uvicorn's supervisor kills a worker that does
# not answer its health check in time (5 s by default): on a CPU-starved host it killed busy
# workers mid-request (connection resets under load; docs/availability.md), hence 30 s.
CMD ["uvicorn", "khareetaty.asgi:application", "--host", "0.0.0.0", "--port", "8000", "--workers", "2", "--timeout-worker-healthcheck", "30", "--no-proxy-headers"]
