"""Direct routes: a hot-path endpoint that takes the bare Request and parses it itself.

FastAPI solves every declared parameter and dependency of a route on each request. For
publish that was more than half of the routing layer's cost: 316 against 145 microseconds a
request, in a same-process A/B of the route alone (the difference is about an eighth of the
CPU a publish costs). A direct route authorises first, then validates its path ids and its
JSON body with pydantic in one pass and raises the `RequestValidationError` FastAPI would
have raised (locations under "path" and "body"), so every error keeps the one error body.

FastAPI cannot see what a direct route reads, so the route documents it: `openapi_extra=
documented(...)` gives the path parameters and the body, and `install_body_schemas` adds the
body models to the OpenAPI components.

A direct route is also served ahead of the framework (`DirectRoutes`, innermost of our
middleware): FastAPI's exception and exit-stack middleware and its router cost publish about
a sixth of its CPU (bench ingest, alternated in one run: 1,070-1,090 -> 1,270-1,290 msg/s).
The route stays registered with FastAPI too, for the OpenAPI document; `DirectRoutes`
answers first. Exceptions get the app's own handlers, so every error keeps the one error body.
"""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field, TypeAdapter, ValidationError
from pydantic.json_schema import models_json_schema
from starlette.responses import Response
from starlette.routing import compile_path
from starlette.types import ASGIApp, Receive, Scope, Send

from frontdesk.core.models import INT64_MAX

M = TypeVar("M", bound=BaseModel)
Endpoint = Callable[[Request], Awaitable[Response]]
E = TypeVar("E", bound=Endpoint)
# Starlette's exception handlers: ours are all async, Starlette allows plain functions too.
Handler = Callable[[Request, Exception], Response | Awaitable[Response]]
_MARK = "__frontdesk_direct_route__"

_ID = TypeAdapter(Annotated[int, Field(ge=1, le=INT64_MAX)])

# The body models of every direct route, for the OpenAPI components (filled at import).
_BODY_MODELS: list[type[BaseModel]] = []


def _located(error: ValidationError, prefix: tuple[str, ...]) -> list[dict[str, Any]]:
    return [
        {**item, "loc": (*prefix, *item["loc"])}
        for item in error.errors(include_url=False, include_input=False)
    ]


def _is_json(content_type: str | None) -> bool:
    if not content_type:
        return True  # as FastAPI: a body without a Content-Type is read as JSON
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type == "application/json" or media_type.endswith("+json")


async def validated(
    request: Request, model: type[M], *, path_ids: Sequence[str] = ()
) -> tuple[list[int], M]:
    """The request's path ids (positive BIGINTs) and its JSON body as `model`; one
    RequestValidationError naming every fault otherwise."""
    errors: list[dict[str, Any]] = []
    ids = []
    for name in path_ids:
        try:
            ids.append(_ID.validate_python(request.path_params[name]))
        except ValidationError as error:
            errors.extend(_located(error, ("path", name)))
    raw = await request.body()
    body = None
    try:
        if _is_json(request.headers.get("content-type")):
            body = model.model_validate_json(raw)
        else:
            body = model.model_validate(raw)  # refused: not a JSON object
    except ValidationError as error:
        errors.extend(_located(error, ("body",)))
    if errors or body is None:
        raise RequestValidationError(errors)
    return ids, body


def documented(*, body: type[BaseModel], path_ids: dict[str, str] | None = None) -> dict[str, Any]:
    """The `openapi_extra` of a direct route: its path ids (name: description) and its
    required JSON body."""
    if body not in _BODY_MODELS:
        _BODY_MODELS.append(body)
    parameters = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": _ID.json_schema(),  # what `validated` accepts
            "description": description,
        }
        for name, description in (path_ids or {}).items()
    ]
    schema_ref = {"$ref": f"#/components/schemas/{body.__name__}"}
    return {
        "parameters": parameters,
        "requestBody": {"required": True, "content": {"application/json": {"schema": schema_ref}}},
    }


def install_body_schemas(app: FastAPI) -> None:
    """Add the direct routes' body models (and the models they use) to the app's OpenAPI
    components, beside those FastAPI found itself."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = generate()  # FastAPI's own, which it also keeps as app.openapi_schema
        _, definitions = models_json_schema(
            [(model, "validation") for model in _BODY_MODELS],
            ref_template="#/components/schemas/{model}",
        )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for name, definition in definitions.get("$defs", {}).items():
            components.setdefault(name, definition)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def route(endpoint: E) -> E:
    """Mark an endpoint (`async def name(request) -> Response`) as a direct route; put it
    below the router's decorator. `routes_of` finds it when its router is mounted."""
    setattr(endpoint, _MARK, True)
    return endpoint


@dataclass(frozen=True)
class DirectRoute:
    methods: frozenset[str]
    path: str
    endpoint: Endpoint

    @functools.cached_property
    def pattern(self) -> re.Pattern[str]:
        return compile_path(self.path)[0]


def routes_of(router: APIRouter, prefix: str) -> list[DirectRoute]:
    """The direct routes of `router` mounted under `prefix`."""
    return [
        DirectRoute(frozenset(r.methods or ()), prefix + r.path, r.endpoint)
        for r in router.routes
        if isinstance(r, APIRoute) and getattr(r.endpoint, _MARK, False)
    ]


class DirectRoutes:
    """ASGI middleware: serves the direct routes itself, passes everything else on.

    Path parameters reach the endpoint as strings (`validated` checks them); an exception
    gets the handler the app registered for its class, or, with none but `Exception`'s,
    goes on up to Starlette's server-error middleware, as from any route."""

    def __init__(
        self, app: ASGIApp, *, routes: Sequence[DirectRoute], handlers: Mapping[Any, Handler]
    ) -> None:
        self.app = app
        self.routes = list(routes)
        self._handlers = handlers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path = _route_path(scope)
            for route in self.routes:
                match = route.pattern.match(path)
                if match is not None and scope["method"] in route.methods:
                    scope["path_params"] = match.groupdict()
                    request = Request(scope, receive, send)
                    try:
                        response = await route.endpoint(request)
                    except Exception as error:
                        response = await self._handled(request, error)
                    await response(scope, receive, send)
                    return
        await self.app(scope, receive, send)

    async def _handled(self, request: Request, error: Exception) -> Response:
        for kind in type(error).__mro__:
            handler = self._handlers.get(kind)
            if handler is not None and kind is not Exception:
                response = handler(request, error)
                return await response if inspect.isawaitable(response) else response
        raise error


def _route_path(scope: Scope) -> str:
    # The path below the app's mount point, as Starlette's router matches it.
    path: str = scope["path"]
    root_path: str = scope.get("root_path", "")
    if root_path and path.startswith(root_path + "/"):
        return path[len(root_path) :]
    return path
