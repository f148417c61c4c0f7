"""Static checks of the deployment files: Dockerfile, docker-compose.yml and deploy/k8s/.

Everything is validated offline against the JSON schemas vendored in ``schemas/``.
"""
