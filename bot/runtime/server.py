"""Production HTTP mode (Bolt on Starlette/uvicorn) and Socket Mode runners."""

from __future__ import annotations

import logging
import threading
from typing import Any

import uvicorn
from slack_bolt import App
from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from storage.db import Database

log = logging.getLogger(__name__)


def asgi_app(bolt: App, db: Database) -> Starlette:
    async def slack_events(request: Request) -> Response:
        body = await request.body()
        # Bolt's dispatch is synchronous: keep it off the event loop so one slow request blocks no other.
        bolt_response = await run_in_threadpool(bolt.dispatch, to_bolt_request(request, body))
        return to_starlette_response(bolt_response)

    async def healthz(_request: Request) -> Response:
        def ping() -> None:
            with db.engine.connect() as connection:
                connection.execute(text("SELECT 1"))

        try:
            await run_in_threadpool(ping)
        except Exception as error:  # a health check reports any failure rather than raising
            # The driver's message names hosts, users and databases: the log gets it, the (unauthenticated)
            # caller only a generic answer.
            log.error("health check: the database did not answer: %s", error)
            return JSONResponse({"ok": False, "database": "unavailable"}, status_code=503)
        return JSONResponse({"ok": True})

    return Starlette(
        routes=[
            Route("/slack/events", slack_events, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
        ]
    )


def http_server(bolt: App, db: Database, port: int, host: str = "0.0.0.0") -> uvicorn.Server:
    config = uvicorn.Config(asgi_app(bolt, db), host=host, port=port, log_level="info", access_log=False)
    return uvicorn.Server(config)


class BackgroundServer:
    """Runs a uvicorn server in a thread (tests and the offline demo); `url` once started."""

    def __init__(self, bolt: App, db: Database, host: str = "127.0.0.1") -> None:
        config = uvicorn.Config(asgi_app(bolt, db), host=host, port=0, log_level="warning", access_log=False)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.url = ""

    def start(self, timeout: float = 10.0) -> BackgroundServer:
        self.thread.start()
        waited = 0.0
        while not self.server.started and waited < timeout:
            threading.Event().wait(0.02)
            waited += 0.02
        if not self.server.started:
            raise RuntimeError("HTTP server did not start")
        sockets: list[Any] = [s for server in self.server.servers for s in server.sockets]
        host, port = sockets[0].getsockname()[:2]
        self.url = f"http://{host}:{port}"
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def run_socket_mode(bolt: App, app_token: str) -> None:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    SocketModeHandler(bolt, app_token).start()
