"""The REST API v1: one NinjaAPI, one router per domain, mounted at /api/v1/."""

from __future__ import annotations

from ninja import NinjaAPI, Swagger

from trellis.api import errors
from trellis.api.auth import TokenThrottle
from trellis.api.routers import activity, communities, events, kpis, people, stories, surveys

DESCRIPTION = """Trellis's data for other tools: HR systems, the ESN connectors, BI.

Every call carries a personal API token (`Authorization: Bearer trl_…`), created on the
*API tokens* page of one's account, and acts as that person: it sees and changes exactly
what they may on the web pages. Scopes: `read` for GET, `write` for changes, `import` for
activity pushes. Errors always read `{"error": {"code", "message", "details"}}`.
See docs/api.md."""

api = NinjaAPI(
    title="Trellis API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    # Swagger UI from ninja's own static files (ninja is an installed app): no CDN.
    docs=Swagger(settings={"persistAuthorization": False}),
    throttle=[TokenThrottle()],
)
errors.install(api)

for module in (communities, people, events, activity, kpis, surveys, stories):
    api.add_router("", module.router)
