"""``forcewatch serve``: the dashboard (FastAPI + uvicorn) over the app layer, with accounts,
sessions and CSRF tokens; :func:`forcewatch.serve.app.create_app` builds it."""
