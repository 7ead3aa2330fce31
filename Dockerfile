# One image for web, worker and beat (see docker-compose.yml).
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DEBUG=false
RUN apt-get update \
 && apt-get install -y --no-install-recommends gdal-bin libgeos-c1v5 libproj25 gettext \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
RUN SECRET_KEY=build-only-not-secret-$(date +%s)-collectstatic-placeholder-value-xxxxxxxxxxxxxxxx \
    python manage.py compilemessages --ignore=.venv -v 0 \
 && SECRET_KEY=build-only-not-secret-$(date +%s)-collectstatic-placeholder-value-xxxxxxxxxxxxxxxx \
    STATIC_ROOT=/app/staticfiles python manage.py collectstatic --noinput -v 0
ENV STATIC_ROOT=/app/staticfiles
RUN useradd --system --uid 1000 khareetaty && mkdir -p /var/khareetaty && chown khareetaty /var/khareetaty
USER khareetaty
EXPOSE 8000
CMD ["uvicorn", "khareetaty.asgi:application", "--host", "0.0.0.0", "--port", "8000", "--workers", "2"]
