"""The FastAPI application: `cd backend && uvicorn main:app --port 8000`."""

import gc
import logging
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from api import (
    access,
    auth,
    container_files,
    conversations,
    functions,
    google_auth,
    google_callback,
    google_disconnect,
    google_status,
    health,
    metrics,
    models,
    turn_response,
    turns,
    usage,
    vector_stores,
)
from lib.auth.provider import OIDCProvider
from lib.conversations.cursor import CursorCodec
from lib.conversations.lifecycle import DatabaseLifecycle
from lib.conversations.service import ConversationService
from lib.conversations.turns import TurnStore
from lib.db.database import Database
from lib.errors import install_error_handlers
from lib.functions.weather import Geocoder
from lib.functions.web_services import create_http_client
from lib.google.oauth import GoogleOAuth
from lib.models.catalog import ModelCatalog
from lib.openai.client import create_openai_client
from lib.resources.ownership import Resources
from lib.runs.hub import RunHub
from lib.runs.service import Runs
from lib.runs.shared import SharedRuns
from lib.server.client_limits import ClientLimits
from lib.server.exposure import exposed_hosts
from lib.server.guards import install_guards
from lib.server.logging_setup import configure_logging
from lib.server.observability import ObservabilityMiddleware
from lib.sessions.sessions import Sessions, resolve_session_secret
from lib.sessions.store import create_store
from lib.settings import BACKEND_DIR, Settings, load_settings
from lib.usage.budget import Budget

YOUNG_COLLECTION_EVERY = 10_000

ROUTERS = (
    turn_response.router,
    health.router,
    models.router,
    conversations.router,
    turns.router,
    usage.router,
    vector_stores.router,
    container_files.router,
    functions.router,
    google_auth.router,
    google_callback.router,
    google_status.router,
    google_disconnect.router,
    access.router,
    auth.router,
    metrics.router,
)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or load_settings()
    configure_logging(settings.log_json)
    # Read now, not in the lifespan: a bad MODELS_FILE stops start-up with one line.
    catalog = ModelCatalog.from_settings(settings)
    # Also now: a short or unreadable secret file stops start-up, before anything is served.
    session_secret = resolve_session_secret(settings)
    exposed = exposed_hosts(sys.argv, os.environ)
    if settings.node_env == "development" and exposed:
        logging.getLogger("startup").warning(
            "!!! NODE_ENV is development (the default) but the server listens on %s, beyond "
            "this machine: cookies are not Secure, /docs is open, and the session secret is a "
            "generated file. Set NODE_ENV=production for a deployment (docs/deploy.md). !!!",
            ", ".join(exposed),
        )
    limits = ClientLimits(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.openai = create_openai_client(settings)
        app.state.http = create_http_client(settings)
        app.state.geocoder = Geocoder.from_settings(app.state.http, settings)
        # Opened lazily: an unreachable store must not keep the service from starting.
        store = create_store(settings.session_store_url, BACKEND_DIR)
        app.state.sessions = Sessions(store, settings, session_secret)
        app.state.google_oauth = GoogleOAuth(settings)
        app.state.oidc = OIDCProvider(settings)
        app.state.db = Database(settings.database_url)
        app.state.db_lifecycle = DatabaseLifecycle(app.state.db, settings.retention_days)
        app.state.resources = Resources(app.state.db)
        app.state.conversations = ConversationService(app.state.db, CursorCodec(session_secret))
        shared_url = settings.shared_redis_url
        app.state.shared_runs = (
            SharedRuns(shared_url, settings.run_replay_seconds) if shared_url else None
        )
        turn_store = TurnStore(app.state.db)
        hub = RunHub(app.state.db, turn_store, app.state.shared_runs, settings.run_replay_seconds)
        app.state.runs = Runs(hub, turn_store, settings)
        app.state.budget = Budget(
            settings.token_budget_daily, app.state.db, settings.shared_redis_url
        )
        await app.state.db_lifecycle.start()
        await limits.open()
        # What start-up built lives as long as the process: out of the collector's full passes,
        # which took 110-160 ms each (every stream stalled meanwhile) and 25-35 ms after this.
        gc.collect()
        gc.freeze()
        # A young collection every 10,000 allocations instead of 700: each one walks every
        # young object still alive, and a hundred streams keep thousands in flight. At C=100
        # with Redis fan-out the worker's CPU fell by a tenth and the ratio rose from 0.45-0.50
        # to 0.50-0.59 (thresholds from 5,000 to 50,000 measured alike; docs/performance.md).
        gc.set_threshold(YOUNG_COLLECTION_EVERY, *gc.get_threshold()[1:])
        try:
            yield
        finally:
            await limits.close()
            await hub.shutdown(settings.graceful_timeout)
            await turn_store.close()
            await app.state.budget.close()
            await app.state.db_lifecycle.stop()
            await app.state.db.close()
            await store.close()
            await app.state.http.aclose()
            if app.state.openai is not None:
                await app.state.openai.close()

    development = settings.node_env == "development"
    app = FastAPI(
        title="Responses chat backend",
        lifespan=lifespan,
        docs_url="/docs" if development else None,
        redoc_url=None,
        openapi_url="/openapi.json" if development else None,
        # Starlette builds the trailing-slash redirect from the request's Host header, which a
        # client chooses: a path that is not a route is a 404, never a redirect elsewhere.
        redirect_slashes=False,
    )
    app.state.settings = settings
    app.state.models = catalog
    install_error_handlers(app)
    # Inside CORS, so that a browser can read their 401/413/429 answers.
    install_guards(app.add_middleware, settings, limits)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_credentials=True,
        allow_methods=["GET", "POST", "PATCH", "DELETE", "OPTIONS"],
        allow_headers=["*"],
        # What a page on another origin reads: the export's file name, a turn's ids.
        expose_headers=[
            "X-Request-ID",
            "Retry-After",
            "Content-Disposition",
            "X-Conversation-Id",
            "X-Turn-Id",
        ],
    )
    # Outermost: it sees every answer, the guards' refusals included.
    app.add_middleware(ObservabilityMiddleware)
    for router in ROUTERS:
        app.include_router(router)
    return app


app = create_app()
