from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.inclusion_tag("includes/chart.html", takes_context=True)
def chart(
    context: dict[str, Any],
    spec: dict[str, Any],
    chart_id: str,
    caption: str = "",
    table: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Draw a Vega-Lite spec with its text alternative and, optionally, its numbers."""
    request = context.get("request")
    if request is not None:
        # Vega compiles its expressions at run time: the page's CSP must allow it.
        request.trellis_charts = True
    return {
        "spec": spec,
        "chart_id": chart_id,
        "spec_id": f"{chart_id}-spec",
        "caption": caption,
        "table": table,
    }
