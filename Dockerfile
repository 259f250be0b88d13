# One image for web, worker and beat (and the simulator profile).
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PORTAL_VAR_DIR=/srv/portal/var
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
RUN SECRET_KEY=build-only python manage.py collectstatic --no-input \
    && useradd --create-home portal && mkdir -p /srv/portal && chown portal /srv/portal
USER portal
EXPOSE 8000
# Workers, threads and timeouts: gunicorn.conf.py.
CMD ["gunicorn", "portal.wsgi", "--bind", "0.0.0.0:8000"]
