# OneTrip web and worker image (the same image runs gunicorn, Celery worker and beat).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
# WeasyPrint's libraries, a CJK font, and HarfBuzz subsetting (without it Chinese PDFs render
# 10-50 times slower).
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
       libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-wqy-zenhei gettext \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
RUN DEBUG=true python manage.py collectstatic --noinput \
    && DEBUG=true python manage.py compilemessages --ignore=.venv \
    && useradd --system --home /app onetrip && mkdir -p /app/media && chown onetrip /app/media
USER onetrip
EXPOSE 8000
CMD ["gunicorn", "hall.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
