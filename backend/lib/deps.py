"""Dependencies of the routes, declared once. The lifespan in main.py creates what they hand out.

Every one is `async def`, though none awaits: FastAPI runs a plain `def` dependency in its
thread pool, a thread hop per dependency per request."""

from typing import Annotated

import httpx2
from fastapi import Depends, Request, Response
from openai import AsyncOpenAI

from lib.auth.provider import OIDCProvider
from lib.conversations.lifecycle import DatabaseLifecycle
from lib.conversations.service import ConversationService
from lib.db.database import Database
from lib.errors import ServiceUnavailable
from lib.functions.registry import FunctionContext
from lib.functions.weather import Geocoder
from lib.google.oauth import GoogleOAuth
from lib.models.catalog import ModelCatalog
from lib.owners.owner import request_owner
from lib.resources.ownership import Resources
from lib.runs.service import Runs
from lib.sessions.sessions import Sessions
from lib.settings import Settings
from lib.usage.budget import Budget


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_openai(request: Request) -> AsyncOpenAI:
    client: AsyncOpenAI | None = request.app.state.openai
    if client is None:
        raise ServiceUnavailable("OPENAI_API_KEY is not set")
    return client


async def get_http_client(request: Request) -> httpx2.AsyncClient:
    client: httpx2.AsyncClient = request.app.state.http
    return client


async def get_geocoder(request: Request) -> Geocoder:
    geocoder: Geocoder = request.app.state.geocoder
    return geocoder


async def get_function_context(request: Request) -> FunctionContext:
    state = request.app.state
    return FunctionContext(http=state.http, geocoder=state.geocoder, settings=state.settings)


SettingsDep = Annotated[Settings, Depends(get_settings)]
FunctionContextDep = Annotated[FunctionContext, Depends(get_function_context)]
OpenAIDep = Annotated[AsyncOpenAI, Depends(get_openai)]
HttpClientDep = Annotated[httpx2.AsyncClient, Depends(get_http_client)]
GeocoderDep = Annotated[Geocoder, Depends(get_geocoder)]


async def get_sessions(request: Request) -> Sessions:
    sessions: Sessions = request.app.state.sessions
    return sessions


async def get_google_oauth(request: Request) -> GoogleOAuth:
    oauth: GoogleOAuth = request.app.state.google_oauth
    return oauth


SessionDep = Annotated[Sessions, Depends(get_sessions)]
GoogleOAuthDep = Annotated[GoogleOAuth, Depends(get_google_oauth)]


async def get_owner(request: Request, response: Response, sessions: SessionDep) -> str:
    return await request_owner(request, response, sessions)


async def get_database(request: Request) -> Database:
    database: Database = request.app.state.db
    return database


OwnerDep = Annotated[str, Depends(get_owner)]
DatabaseDep = Annotated[Database, Depends(get_database)]


async def get_conversations(request: Request) -> ConversationService:
    request.app.state.db_lifecycle.require_ready()
    service: ConversationService = request.app.state.conversations
    return service


ConversationsDep = Annotated[ConversationService, Depends(get_conversations)]


async def get_resources(request: Request) -> Resources:
    request.app.state.db_lifecycle.require_ready()
    resources: Resources = request.app.state.resources
    return resources


ResourcesDep = Annotated[Resources, Depends(get_resources)]


async def get_runs(request: Request) -> Runs:
    request.app.state.db_lifecycle.require_ready()
    runs: Runs = request.app.state.runs
    return runs


RunsDep = Annotated[Runs, Depends(get_runs)]


async def get_models(request: Request) -> ModelCatalog:
    models: ModelCatalog = request.app.state.models
    return models


ModelsDep = Annotated[ModelCatalog, Depends(get_models)]


async def get_oidc_provider(request: Request) -> OIDCProvider:
    provider: OIDCProvider = request.app.state.oidc
    return provider


async def get_budget(request: Request) -> Budget:
    budget: Budget = request.app.state.budget
    return budget


async def get_database_lifecycle(request: Request) -> DatabaseLifecycle:
    lifecycle: DatabaseLifecycle = request.app.state.db_lifecycle
    return lifecycle


OIDCProviderDep = Annotated[OIDCProvider, Depends(get_oidc_provider)]
BudgetDep = Annotated[Budget, Depends(get_budget)]
DatabaseLifecycleDep = Annotated[DatabaseLifecycle, Depends(get_database_lifecycle)]
