"""The interactive API documentation at /docs, served whole from this process.

FastAPI's default page loads Swagger UI from a CDN; a self-hosted install may have no internet
(and DESIGN 8 fetches nothing from it), so the page uses the copy of Swagger UI that the
`swagger-ui-bundle` package installs, mounted under /docs/assets.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

from frontdesk.api.direct import install_body_schemas

ASSETS = "/docs/assets"


def install_docs(app: FastAPI) -> None:
    """Serve /docs (create the app with `docs_url=None`) and complete /openapi.json."""
    install_body_schemas(app)
    app.mount(ASSETS, StaticFiles(directory=str(swagger_ui_path)), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} API",
            swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS}/swagger-ui.css",
            swagger_favicon_url="/static/favicon.svg",
        )
