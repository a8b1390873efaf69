"""A minimal keep-alive HTTP(S) poster built on :mod:`http.client`."""

from __future__ import annotations

import http.client
import ssl
from typing import Dict, Mapping, Optional, Tuple
from urllib.parse import urlsplit

INGEST_PATH = "/v1/metrics"

# Errors that mean "the reused keep-alive connection was already closed".
_STALE_ERRORS = (
    http.client.RemoteDisconnected,
    BrokenPipeError,
    ConnectionResetError,
    ConnectionAbortedError,
)


class Response:
    __slots__ = ("status", "headers", "body")

    def __init__(self, status: int, headers: Dict[str, str], body: bytes) -> None:
        self.status = status
        self.headers = headers  # lower-cased names
        self.body = body


def parse_endpoint(endpoint: str) -> Tuple[str, str, int, str]:
    """Return (scheme, host, port, path) of the ingest URL for ``endpoint``.

    ``endpoint`` is the collector's base URL (``http://host:4318``); a base URL
    that already ends with ``/v1/metrics`` is used as is.
    """
    parts = urlsplit(endpoint.strip())
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(
            "endpoint must be an http:// or https:// URL with a host, got %r" % endpoint
        )
    port = parts.port or (443 if scheme == "https" else 80)
    path = parts.path.rstrip("/")
    if not path.endswith(INGEST_PATH):
        path += INGEST_PATH
    if parts.query:
        path += "?" + parts.query
    return scheme, parts.hostname, port, path


class HttpTransport:
    """Posts bodies to one URL over a persistent connection.

    Not thread-safe by itself: the client serializes all sends.  Any network or
    protocol error closes the connection (it is reopened on the next call) and
    propagates to the caller as ``OSError`` or ``http.client.HTTPException``.
    """

    def __init__(
        self,
        endpoint: str,
        timeout: float = 10.0,
        ssl_context: Optional[ssl.SSLContext] = None,
    ) -> None:
        self.scheme, self.host, self.port, self.path = parse_endpoint(endpoint)
        self.timeout = timeout
        self._ssl_context = ssl_context
        self._conn: Optional[http.client.HTTPConnection] = None

    def _connection(self, timeout: float) -> http.client.HTTPConnection:
        conn = self._conn
        if conn is None:
            if self.scheme == "https":
                conn = http.client.HTTPSConnection(
                    self.host,
                    self.port,
                    timeout=timeout,
                    context=self._ssl_context or ssl.create_default_context(),
                )
            else:
                conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
            self._conn = conn
        else:
            conn.timeout = timeout
            if conn.sock is not None:
                conn.sock.settimeout(timeout)
        return conn

    def post(
        self, body: bytes, headers: Mapping[str, str], timeout: Optional[float] = None
    ) -> Response:
        timeout = self.timeout if timeout is None else timeout
        reused = self._conn is not None
        try:
            resp, data = self._round_trip(body, headers, timeout)
        except _STALE_ERRORS:
            self.close()
            if not reused:
                raise
            # The server closed an idle keep-alive connection between two
            # flushes; that is not an outage, so retry once on a new one.
            try:
                resp, data = self._round_trip(body, headers, timeout)
            except BaseException:
                self.close()
                raise
        except BaseException:
            self.close()
            raise
        hdrs = {k.lower(): v for k, v in resp.getheaders()}
        if resp.will_close:
            self.close()
        return Response(resp.status, hdrs, data)

    def _round_trip(
        self, body: bytes, headers: Mapping[str, str], timeout: float
    ) -> Tuple[http.client.HTTPResponse, bytes]:
        conn = self._connection(timeout)
        conn.request("POST", self.path, body=body, headers=dict(headers))
        resp = conn.getresponse()
        return resp, resp.read()

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.close()
            except Exception:  # pragma: no cover - best effort
                pass
