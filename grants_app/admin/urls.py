"""Admin links built without a url_for call each.

A list page asks Flask-Admin's get_url for about forty links: every sort, pager and page-size link of
the list (url_for for the same route with other query strings) and a dozen asset links that never
change. url_for matches the route each time (a twentieth of the page). Here the route is built once per
request and the query string written as Werkzeug writes it (werkzeug.urls._urlencode: None dropped,
the WHATWG percent-encode set); asset links are kept per process.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import current_app, g, request, url_for

# The characters Werkzeug leaves unencoded in a query string (https://url.spec.whatwg.org/#percent-encoded-bytes).
QUERY_SAFE = "!$'()*,/:;?@"
# Asset links for each (endpoint, arguments, script root): a fixed set of files, bounded in case.
MAX_ASSET_LINKS = 512


def query_string(args: dict[str, Any]) -> str:
    """`args` as url_for appends them: in order, None left out, values as text."""
    return urlencode([(key, value) for key, value in args.items() if value is not None], safe=QUERY_SAFE)


class QuickUrls:
    """Mixin for admin views: get_url as Flask-Admin's, with the list's own links built from one
    url_for per request and asset links from a per-process table."""

    def get_url(self, endpoint: str, **kwargs: Any) -> str:
        if endpoint == ".index_view":
            routes = g.setdefault("_admin_list_routes", {})
            key = self.endpoint  # type: ignore[attr-defined]
            if key not in routes:
                routes[key] = url_for(".index_view")
            query = query_string(kwargs)
            return f"{routes[key]}?{query}" if query else routes[key]
        if endpoint.endswith(".static"):
            assets = current_app.extensions.setdefault("sosafe_admin_asset_links", {})
            key = (endpoint, tuple(kwargs.items()), request.script_root)
            if key not in assets:
                if len(assets) >= MAX_ASSET_LINKS:
                    assets.clear()
                assets[key] = url_for(endpoint, **kwargs)
            return assets[key]
        return url_for(endpoint, **kwargs)
