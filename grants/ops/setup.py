"""What `create_app` installs for production: jobs, ProxyFix, structured request logs."""

from __future__ import annotations

import json
import logging
import re
import time
import uuid

from flask import Flask, g, request
from werkzeug.middleware.proxy_fix import ProxyFix

from grants import jobs

request_log = logging.getLogger("grants.requests")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def init_app(app: Flask) -> None:
    """Bind the job queue, trust proxies only when told how many, and log each request."""
    jobs.init_app(app)
    hops = int(app.config.get("PROXY_FIX_HOPS") or 0)
    if hops > 0:
        # Only the exact number of proxies we sit behind: one more and a client could forge its address.
        # Never the forwarded host or port: links come from SITE_URL and the Host is checked against it.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=0, x_port=0)  # type: ignore[method-assign]

    def _start_request() -> None:
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    # First of all before-request hooks, so the time and id cover requests that the login
    # check or the HTTPS redirect answer early.
    app.before_request_funcs.setdefault(None, []).insert(0, _start_request)

    @app.after_request
    def _log_request(response):  # noqa: ANN001, ANN202
        started = g.get("request_started")
        request_id = g.get("request_id") or uuid.uuid4().hex
        response.headers["X-Request-ID"] = request_id
        # One JSON line, no personal data: the endpoint name (never the path, which can hold
        # tokens), no query string, no address, no e-mail, no user id.
        request_log.info(
            json.dumps(
                {
                    "event": "request",
                    "request_id": request_id,
                    "method": request.method,
                    "endpoint": request.endpoint or "not_found",
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
                },
                separators=(",", ":"),
            )
        )
        return response
