"""A scriptable stand-in for the Vantage collector: a real HTTP server on
127.0.0.1 (ephemeral port) in a background thread.

Each POST to /v1/metrics consumes the next scripted response (default: 202
accepting everything) and is recorded with its headers, decoded metrics and
arrival time.
"""

from __future__ import annotations

import gzip
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Dict, List, Optional


class Reply:
    def __init__(
        self,
        status: int = 202,
        body: Optional[Dict[str, Any]] = None,
        headers: Optional[Dict[str, str]] = None,
        close: bool = False,
        hang_up: bool = False,
    ) -> None:
        self.status = status
        self.body = body
        self.headers = headers or {}
        self.close = close  # close the connection after answering (without saying so)
        self.hang_up = hang_up  # close the connection without answering at all


def error(status: int, code: str, message: str, field: Optional[str] = None, **headers: str) -> Reply:
    err: Dict[str, Any] = {"code": code, "message": message}
    if field is not None:
        err["field"] = field
    return Reply(status, {"error": err}, {k.replace("_", "-"): v for k, v in headers.items()})


class Request:
    def __init__(self, path: str, headers: Dict[str, str], raw: bytes, at: float) -> None:
        self.path = path
        self.headers = headers
        self.raw = raw
        self.at = at
        data = gzip.decompress(raw) if headers.get("content-encoding") == "gzip" else raw
        self.json = json.loads(data.decode("utf-8"))
        self.metrics: List[Dict[str, Any]] = self.json["metrics"]


class FakeCollector:
    def __init__(self) -> None:
        self.requests: List[Request] = []
        self.script: List[Reply] = []
        self.responder: Optional[Callable[[Request], Optional[Reply]]] = None
        self.lock = threading.Lock()
        collector = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # silence
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                req = Request(
                    self.path, {k.lower(): v for k, v in self.headers.items()}, raw, time.monotonic()
                )
                with collector.lock:
                    collector.requests.append(req)
                    reply = collector.script.pop(0) if collector.script else None
                if reply is None and collector.responder is not None:
                    reply = collector.responder(req)
                if reply is None:
                    reply = Reply(202, {"accepted": len(req.metrics), "rejected": []})
                if reply.hang_up:
                    self.close_connection = True
                    return
                payload = json.dumps(reply.body).encode() if reply.body is not None else b""
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for k, v in reply.headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(payload)
                if reply.close:
                    self.close_connection = True

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = "http://127.0.0.1:%d" % self.port
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    def metrics(self) -> List[Dict[str, Any]]:
        with self.lock:
            return [m for r in self.requests for m in r.metrics]

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> "FakeCollector":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()
