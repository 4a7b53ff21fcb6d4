from django.urls import URLPattern, URLResolver, include, path, re_path
from django.views.generic import RedirectView

from trellis.api.api import api
from trellis.api.views import api_not_found, json_method_not_allowed

# ninja's own root view is a 404 outside DEBUG: the API root leads to the docs instead.
# (Not named app_name: Django would read a module-level app_name as this module's own.)
_patterns, _app, _namespace = api.urls
_patterns = [p for p in _patterns if getattr(p, "name", None) != "api-root"]
# ninja adds one pattern per operation, but a path shared by GET and POST is served by the
# first one: drop the unreachable duplicates (their URL names would name nothing).
_unique: dict[str, URLPattern | URLResolver] = {}
for _entry in _patterns:
    _unique.setdefault(str(_entry.pattern), _entry)
_patterns = list(_unique.values())
for _pattern in _patterns:
    if isinstance(_pattern, URLPattern):
        # ninja answers a wrong method with a plain-text 405: give it the error shape.
        _pattern.callback = json_method_not_allowed(_pattern.callback)
_patterns += [
    # ninja reverses "api-root" to know its own prefix: the name stays.
    path("", RedirectView.as_view(pattern_name="api:openapi-view"), name="api-root"),
    # Anything else under /api/v1/ answers in the API's error shape, not an HTML page.
    re_path(r"^.*$", api_not_found, name="api_not_found"),
]

urlpatterns: list[URLPattern | URLResolver] = [
    path("", include((_patterns, _app), namespace=_namespace)),
]
