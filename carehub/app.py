"""The web application: the device API, the dashboard, and the OpenAPI document."""
from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.staticfiles import StaticFiles

from . import api, dashboard
from .config import Settings
from .hub import CareHub


def create_app(hub: CareHub) -> FastAPI:
    app = FastAPI(title="Anbu care hub", version="1", summary="Alerts, check-ins and summaries from Anbu speakers",
                  docs_url="/api/docs", redoc_url=None, openapi_url="/api/openapi.json")
    app.state.hub = hub
    app.include_router(api.router)
    app.include_router(dashboard.router)
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")
    dashboard.install(app)

    @app.get("/healthz", include_in_schema=False)
    def healthz():
        return {"ok": True}

    def openapi():
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, summary=app.summary, routes=app.routes)
            schema.setdefault("components", {}).setdefault("schemas", {}).update(api.openapi_components())
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi
    return app


def app_from_env() -> FastAPI:
    """What each `carehub serve` worker process runs: the hub as the environment configures it."""
    return create_app(CareHub(Settings.from_env()))
