# Haven in production: `docker build -t haven .`, then see compose.yaml.
# Two stages: the build (with GraphiQL's files fetched and checked) and a slim,
# non-root runtime that holds only the installed service.

FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY app.py cli.py demo.py errors.py pages.py settings.py ./
COPY auth auth
COPY ide ide
COPY jobs jobs
COPY mail mail
COPY migrations migrations
COPY models models
COPY observe observe
COPY resolvers resolvers
COPY schema schema
COPY subscriptions subscriptions
RUN python -m venv /opt/haven \
    && /opt/haven/bin/pip install --no-cache-dir --upgrade pip \
    && /opt/haven/bin/python -m ide.assets \
    && /opt/haven/bin/pip install --no-cache-dir ".[tracing]"

FROM python:3.11-slim
RUN useradd --system --uid 10001 --home-dir /nonexistent --shell /usr/sbin/nologin haven
COPY --from=build /opt/haven /opt/haven
ENV PATH=/opt/haven/bin:$PATH \
    HAVEN_ENV=production \
    HOST=0.0.0.0 \
    PORT=8000 \
    PYTHONUNBUFFERED=1
USER haven
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"]
# SIGTERM: stop accepting, close sockets with 1012 so clients resume elsewhere, finish
# what is in flight.
STOPSIGNAL SIGTERM
CMD ["haven", "serve"]
