"""The Vantage client: metric registry, flush loop, buffer and retrying sender."""

from __future__ import annotations

import atexit
import collections
import email.utils
import gzip as _gzip
import http.client
import json
import logging
import os
import random
import re
import sys
import threading
import time
import weakref
from typing import Any, Deque, Dict, List, Mapping, Optional, Set, Tuple

from . import _validation as v
from ._metrics import Counter, Gauge, Histogram, Timer, _Handle
from ._transport import HttpTransport, Response

logger = logging.getLogger("vantage")

__version__ = "0.1.0"

DEFAULT_RETRY_STATUSES = frozenset({429, 502, 503, 504})

_RETRY = "retry"
_DONE = "done"

_monotonic = time.monotonic


def _default_service() -> str:
    env = os.environ.get("VANTAGE_SERVICE")
    if env:
        return env
    argv0 = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else ""
    argv0 = re.sub(r"\.py$", "", argv0)
    argv0 = re.sub(r"[^A-Za-z0-9_.:/-]", "_", argv0)[:128]
    return argv0 or "python"


class Client:
    """Sends metrics to a Vantage collector.

    >>> client = Client("http://127.0.0.1:4318", service="checkout")
    >>> client.counter("orders_total", {"region": "eu"}).inc()

    Values are pre-aggregated in memory and sent every ``flush_interval``
    seconds by a daemon thread, on :meth:`flush`, on :meth:`close` and at
    interpreter exit.  See the package README for the exact semantics.

    Parameters
    ----------
    endpoint:
        Base URL of the collector, e.g. ``http://127.0.0.1:4318`` (the
        ``/v1/metrics`` path is appended).  Defaults to ``$VANTAGE_ENDPOINT``.
    api_key:
        Sent as ``Authorization: Bearer <key>``.  Defaults to ``$VANTAGE_API_KEY``.
    service:
        Service name of every sample.  Defaults to ``$VANTAGE_SERVICE``, else the
        script name.
    default_tags:
        Tags added to every metric of this client; per-metric tags win on conflict.
    flush_interval:
        Seconds between background flushes (also the aggregation window).
    batch_size:
        Maximum samples per request (1..10000).
    max_buffer_size:
        Maximum samples waiting to be sent.  When the collector is unreachable
        the oldest samples are dropped first and counted in ``stats()["dropped"]``.
    max_histogram_samples:
        Observations kept per histogram per flush interval before reservoir
        sampling kicks in.
    gzip:
        Compress request bodies (``Content-Encoding: gzip``).
    timeout:
        Socket timeout of one request, seconds.
    backoff_base, backoff_max:
        Exponential backoff for retries: the n-th consecutive failure waits a
        random time in ``[d/2, d]`` with ``d = min(backoff_max, backoff_base * 2**n)``.
        A ``Retry-After`` header overrides the computed delay (capped at
        ``max_retry_after``).
    close_timeout:
        How long :meth:`close` (and the exit hook) keeps trying to deliver.
    start_thread:
        Start the background flush thread (set False to flush only explicitly).
    """

    def __init__(
        self,
        endpoint: Optional[str] = None,
        api_key: Optional[str] = None,
        service: Optional[str] = None,
        default_tags: Optional[Mapping[str, Any]] = None,
        flush_interval: float = 10.0,
        *,
        batch_size: int = 1000,
        max_buffer_size: int = 100_000,
        max_histogram_samples: int = 10_000,
        gzip: bool = True,
        timeout: float = 10.0,
        backoff_base: float = 0.5,
        backoff_max: float = 30.0,
        max_retry_after: float = 300.0,
        retry_statuses: Optional[Set[int]] = None,
        max_body_bytes: int = 4 * 1024 * 1024,
        close_timeout: float = 5.0,
        start_thread: bool = True,
        register_atexit: bool = True,
    ) -> None:
        endpoint = endpoint or os.environ.get("VANTAGE_ENDPOINT")
        if not endpoint:
            raise ValueError("endpoint is required (or set VANTAGE_ENDPOINT)")
        if api_key is None:
            api_key = os.environ.get("VANTAGE_API_KEY") or None
        if not 1 <= batch_size <= v.MAX_METRICS_PER_REQUEST:
            raise ValueError("batch_size must be between 1 and %d" % v.MAX_METRICS_PER_REQUEST)
        if flush_interval <= 0:
            raise ValueError("flush_interval must be > 0")
        if max_buffer_size < batch_size:
            raise ValueError("max_buffer_size must be >= batch_size")
        if not 1024 <= max_body_bytes <= v.MAX_BODY_BYTES:
            raise ValueError("max_body_bytes must be between 1024 and %d" % v.MAX_BODY_BYTES)

        self.endpoint = endpoint
        self.service = v.validate_service(service if service is not None else _default_service())
        self.default_tags = v.normalize_tags(default_tags)
        v.merge_tags(self.default_tags, {})  # enforces the tag-count limit early
        self._default_key = tuple(sorted(self.default_tags.items()))
        self.flush_interval = float(flush_interval)
        self.batch_size = int(batch_size)
        self.max_buffer_size = int(max_buffer_size)
        self.max_histogram_samples = int(max_histogram_samples)
        self.gzip = bool(gzip)
        self.timeout = float(timeout)
        self.backoff_base = float(backoff_base)
        self.backoff_max = float(backoff_max)
        self.max_retry_after = float(max_retry_after)
        self.retry_statuses = frozenset(retry_statuses or DEFAULT_RETRY_STATUSES)
        self.max_body_bytes = int(max_body_bytes)
        self.close_timeout = float(close_timeout)
        # Effective limits; lowered when the collector answers 413.
        self._batch_limit = self.batch_size
        self._body_limit = self.max_body_bytes

        self._headers = {
            "Content-Type": "application/json",
            "User-Agent": "vantage-sdk-python/%s" % __version__,
        }
        if self.gzip:
            self._headers["Content-Encoding"] = "gzip"
        if api_key:
            self._headers["Authorization"] = "Bearer %s" % api_key

        self._transport = HttpTransport(endpoint, timeout=self.timeout)

        # Registry of handles, keyed by (kind, name, sorted tag items).
        self._registry_lock = threading.Lock()
        self._handles: Dict[Tuple[str, str, Tuple[Tuple[str, str], ...]], Any] = {}
        self._timers: Dict[Tuple[str, Tuple[Tuple[str, str], ...]], Timer] = {}

        # Serialized samples waiting to be sent, oldest first.
        self._buffer_lock = threading.Lock()
        self._buffer: Deque[str] = collections.deque()

        # Only one thread sends at a time; it also guards the backoff state.
        self._send_lock = threading.Lock()
        self._collect_lock = threading.Lock()
        self._failures = 0  # consecutive retryable failures
        self._not_before = 0.0  # monotonic time before which we must not send

        self._stats_lock = threading.Lock()
        self._stats: Dict[str, Any] = {
            "sent": 0,
            "rejected": 0,
            "failed": 0,
            "dropped": 0,
            "invalid": 0,
            "sampled_out": 0,
            "requests": 0,
            "retries": 0,
            "last_error": None,
        }
        self._logged_errors: Set[Tuple[Any, ...]] = set()

        self._closed = False
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None
        self._start_thread = bool(start_thread)
        if self._start_thread:
            self._spawn_thread()
        self._atexit_registered = False
        if register_atexit:
            atexit.register(self._atexit)
            self._atexit_registered = True
        _LIVE_CLIENTS.add(self)

    # ------------------------------------------------------------------ handles

    def _key_tags(self, tags: Optional[Mapping[str, Any]]) -> Tuple[Dict[str, str], Tuple[Tuple[str, str], ...]]:
        merged = v.merge_tags(self.default_tags, v.normalize_tags(tags))
        return merged, tuple(sorted(merged.items()))

    def _get(self, kind: str, name: str, tags: Optional[Mapping[str, Any]]) -> Any:
        # Fast path: an existing handle without per-metric tags needs no work.
        if not tags:
            handle = self._handles.get((kind, name, self._default_key))
            if handle is not None:
                return handle
        merged, key_tags = self._key_tags(tags)
        key = (kind, name, key_tags)
        handle = self._handles.get(key)
        if handle is not None:
            return handle
        v.validate_name(name)
        with self._registry_lock:
            handle = self._handles.get(key)
            if handle is None:
                if kind == "counter":
                    handle = Counter(self.service, name, merged)
                elif kind == "gauge":
                    handle = Gauge(self.service, name, merged)
                else:
                    handle = Histogram(self.service, name, merged, self.max_histogram_samples)
                self._handles[key] = handle
        return handle

    def counter(self, name: str, tags: Optional[Mapping[str, Any]] = None) -> Counter:
        """Return the counter ``name`` with ``tags`` (created on first use).

        Keep the returned handle and call ``inc()`` on it in hot code."""
        return self._get("counter", name, tags)

    def gauge(self, name: str, tags: Optional[Mapping[str, Any]] = None) -> Gauge:
        """Return the gauge ``name`` with ``tags`` (created on first use)."""
        return self._get("gauge", name, tags)

    def histogram(self, name: str, tags: Optional[Mapping[str, Any]] = None) -> Histogram:
        """Return the histogram ``name`` with ``tags`` (created on first use)."""
        return self._get("histogram", name, tags)

    def timer(self, name: str, tags: Optional[Mapping[str, Any]] = None) -> Timer:
        """Return a :class:`Timer` that records milliseconds into the histogram
        ``name``; use it as ``with client.timer(...):`` or ``@client.timer(...)``."""
        hist = self.histogram(name, tags)
        key = (hist.name, tuple(sorted(hist.tags.items())))
        timer = self._timers.get(key)
        if timer is None:
            with self._registry_lock:
                timer = self._timers.setdefault(key, Timer(hist))
        return timer

    # ---------------------------------------------------------------- collection

    def _collect(self) -> int:
        """Move this interval's aggregates into the send buffer; return how many."""
        with self._collect_lock:
            with self._registry_lock:
                handles: List[_Handle] = list(self._handles.values())
            now_ms = int(time.time() * 1000)
            out: List[str] = []
            invalid = sampled_out = 0
            for handle in handles:
                bad, skipped = handle._collect(now_ms, out)
                invalid += bad
                sampled_out += skipped
            if invalid or sampled_out:
                with self._stats_lock:
                    self._stats["invalid"] += invalid
                    self._stats["sampled_out"] += sampled_out
                if invalid:
                    self._log_once(
                        ("invalid",),
                        logging.WARNING,
                        "vantage: dropped %d non-finite or non-numeric metric value(s); "
                        "values must be finite numbers (further occurrences are only counted "
                        "in stats()['invalid'])",
                        invalid,
                    )
            if out:
                self._enqueue(out)
            return len(out)

    def _enqueue(self, samples: List[str]) -> None:
        with self._buffer_lock:
            buf = self._buffer
            overflow = len(buf) + len(samples) - self.max_buffer_size
            dropped = 0
            if overflow > 0:
                # Oldest first: what is already buffered, then the oldest new ones.
                from_buf = min(overflow, len(buf))
                for _ in range(from_buf):
                    buf.popleft()
                dropped = overflow
                if overflow > from_buf:
                    samples = samples[overflow - from_buf :]
            buf.extend(samples)
        if dropped:
            self._count_dropped(dropped)

    def _requeue(self, batch: List[str]) -> None:
        """Put an unsent batch back at the front (it is older than the rest)."""
        with self._buffer_lock:
            buf = self._buffer
            room = self.max_buffer_size - len(buf)
            dropped = 0
            if room < len(batch):
                dropped = len(batch) - max(room, 0)
                batch = batch[dropped:]
            buf.extendleft(reversed(batch))
        if dropped:
            self._count_dropped(dropped)

    def _count_dropped(self, n: int) -> None:
        with self._stats_lock:
            self._stats["dropped"] += n
        self._log_once(
            ("dropped",),
            logging.WARNING,
            "vantage: send buffer full (max_buffer_size=%d), dropped the %d oldest sample(s); "
            "further drops are only counted in stats()['dropped']",
            self.max_buffer_size,
            n,
        )

    def _take_batch(self) -> List[str]:
        """Pop up to batch_size samples whose JSON fits in max_body_bytes."""
        batch: List[str] = []
        with self._buffer_lock:
            buf = self._buffer
            size = 16
            limit = self._body_limit
            count = self._batch_limit
            while buf and len(batch) < count:
                item = buf[0]
                size += len(item) + 1
                if batch and size > limit:
                    break
                batch.append(buf.popleft())
        return batch

    # ------------------------------------------------------------------ sending

    def _encode(self, batch: List[str]) -> bytes:
        body = ('{"metrics":[' + ",".join(batch) + "]}").encode("utf-8")
        if self.gzip:
            body = _gzip.compress(body, compresslevel=6)
        return body

    def _post(self, batch: List[str], timeout: float) -> Tuple[str, Optional[float]]:
        """Send one batch; return (_DONE|_RETRY, retry_after_seconds)."""
        body = self._encode(batch)
        with self._stats_lock:
            self._stats["requests"] += 1
        try:
            resp = self._transport.post(body, self._headers, timeout=timeout)
        except (OSError, http.client.HTTPException) as exc:
            self._note_retryable("network error: %s: %s" % (type(exc).__name__, exc))
            return _RETRY, None

        status = resp.status
        if 200 <= status < 300:
            self._on_accepted(batch, resp)
            return _DONE, None

        code, message, field = _error_details(resp)
        if status in self.retry_statuses:
            retry_after = _parse_retry_after(resp.headers.get("retry-after"))
            self._note_retryable(
                "HTTP %d %s%s" % (status, code or "", (": " + message) if message else "")
            )
            return _RETRY, retry_after

        if status == 413 and len(batch) > 1:
            # Too large for this collector: from now on send batches half as
            # large (in count and bytes) and try these samples again.
            self._batch_limit = max(1, len(batch) // 2)
            self._body_limit = max(1024, sum(len(x) + 1 for x in batch) // 2)
            self._requeue(batch)
            self._log_once(
                ("413",),
                logging.WARNING,
                "vantage: collector answered 413 (payload too large) for %d samples; "
                "reducing the batch size to %d",
                len(batch),
                self._batch_limit,
            )
            return _DONE, None

        # Any other status (other 4xx, 500, ...): not retried, data discarded.
        with self._stats_lock:
            self._stats["failed"] += len(batch)
            self._stats["last_error"] = "HTTP %d %s %s" % (status, code or "-", message or "")
        self._log_once(
            ("http", status, code, field),
            logging.ERROR,
            "vantage: collector rejected a batch of %d metric(s) with HTTP %d, code=%s, field=%s: %s "
            "(not retried; the batch was discarded; same errors are logged once and "
            "counted in stats()['failed'])",
            len(batch),
            status,
            code or "-",
            field or "-",
            message or _snippet(resp.body),
        )
        return _DONE, None

    def _on_accepted(self, batch: List[str], resp: Response) -> None:
        accepted: Optional[int] = None
        rejected: List[Dict[str, Any]] = []
        try:
            doc = json.loads(resp.body.decode("utf-8")) if resp.body else {}
            if isinstance(doc, dict):
                if isinstance(doc.get("accepted"), int):
                    accepted = doc["accepted"]
                if isinstance(doc.get("rejected"), list):
                    rejected = [r for r in doc["rejected"] if isinstance(r, dict)]
        except (ValueError, UnicodeDecodeError):
            pass
        if accepted is None:
            accepted = len(batch) - len(rejected)
        with self._stats_lock:
            self._stats["sent"] += accepted
            self._stats["rejected"] += len(rejected)
        for item in rejected:
            code = item.get("code")
            field = item.get("field")
            key = ("rejected", code, re.sub(r"\[\d+\]", "[]", str(field)))
            self._log_once(
                key,
                logging.WARNING,
                "vantage: collector rejected a metric: code=%s, field=%s: %s (sample %s); "
                "same rejections are logged once and counted in stats()['rejected']",
                code or "-",
                field or "-",
                item.get("message") or "",
                _sample_at(batch, item.get("index")),
            )

    def _note_retryable(self, what: str) -> None:
        with self._stats_lock:
            self._stats["retries"] += 1
            self._stats["last_error"] = what
        logger.debug("vantage: send failed (%s); will retry", what)

    def _backoff(self, retry_after: Optional[float]) -> float:
        self._failures += 1
        if retry_after is not None:
            delay = min(max(retry_after, 0.0), self.max_retry_after)
            # A little jitter so many clients told the same Retry-After spread out.
            return delay + random.uniform(0, min(1.0, 0.1 * delay + 0.05))
        d = min(self.backoff_max, self.backoff_base * (2 ** min(self._failures - 1, 30)))
        return random.uniform(d / 2, d)

    def _drain(self, deadline: float, interrupt: Optional[threading.Event]) -> bool:
        """Send buffered samples until empty (True) or until ``deadline``,
        an unfinished backoff or ``interrupt`` (False)."""
        remaining = deadline - _monotonic()
        if remaining <= 0 or not self._send_lock.acquire(timeout=remaining):
            return False
        try:
            while True:
                now = _monotonic()
                if now >= deadline:
                    return not self._buffer
                if now < self._not_before:
                    wait = min(self._not_before, deadline) - now
                    if interrupt is not None:
                        if interrupt.wait(wait):
                            return False
                    else:
                        time.sleep(wait)
                    continue
                batch = self._take_batch()
                if not batch:
                    return True
                outcome, retry_after = self._post(
                    batch, timeout=max(0.1, min(self.timeout, deadline - now))
                )
                if outcome is _RETRY:
                    self._requeue(batch)
                    self._not_before = _monotonic() + self._backoff(retry_after)
                else:
                    self._failures = 0
        finally:
            self._send_lock.release()

    # ------------------------------------------------------------ public control

    def flush(self, timeout: Optional[float] = None) -> bool:
        """Collect the current interval and send everything buffered.

        Blocks until the buffer is empty or ``timeout`` seconds (default
        ``self.timeout``) pass, honouring retry backoff.  Returns True when
        everything was delivered (or discarded as non-retryable)."""
        self._collect()
        limit = self.timeout if timeout is None else timeout
        return self._drain(_monotonic() + limit, None)

    def close(self, timeout: Optional[float] = None) -> bool:
        """Stop the flush thread, send what is left (for at most ``timeout``
        seconds, default ``close_timeout``) and release the connection.
        Idempotent.  Returns True when nothing was left unsent."""
        if self._closed:
            return not self._buffer
        self._closed = True
        limit = self.close_timeout if timeout is None else timeout
        deadline = _monotonic() + limit
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(max(0.0, deadline - _monotonic()))
        self._collect()
        ok = self._drain(deadline, None)
        if self._send_lock.acquire(timeout=max(0.0, deadline - _monotonic())):
            try:
                self._transport.close()
            finally:
                self._send_lock.release()
        if self._atexit_registered:
            atexit.unregister(self._atexit)
            self._atexit_registered = False
        _LIVE_CLIENTS.discard(self)
        if not ok:
            left = len(self._buffer)
            if left:
                logger.warning(
                    "vantage: closing with %d sample(s) not delivered (last error: %s)",
                    left,
                    self._stats.get("last_error"),
                )
        return ok

    def stats(self) -> Dict[str, Any]:
        """Counters of what happened so far.

        ``sent`` samples accepted by the collector; ``rejected`` samples the
        collector refused individually inside a 202; ``failed`` samples discarded
        after a non-retryable response; ``dropped`` oldest samples discarded
        because the buffer was full; ``invalid`` non-finite values skipped;
        ``sampled_out`` histogram observations not kept by reservoir sampling;
        ``requests`` HTTP requests made; ``retries`` retryable failures;
        ``buffered`` samples waiting now; ``last_error`` a description or None.
        """
        with self._stats_lock:
            out = dict(self._stats)
        out["buffered"] = len(self._buffer)
        return out

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return "<vantage.Client %s service=%s>" % (self.endpoint, self.service)

    # ------------------------------------------------------------------ internals

    def _spawn_thread(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=_flush_loop, args=(weakref.ref(self), self._stop, self.flush_interval),
            name="vantage-flush", daemon=True,
        )
        self._thread.start()

    def _tick(self, stop: threading.Event) -> None:
        self._collect()
        self._drain(_monotonic() + self.flush_interval, stop)

    def _atexit(self) -> None:
        try:
            self.close()
        except Exception:  # pragma: no cover - never raise at exit
            logger.exception("vantage: error while flushing at exit")

    def _log_once(self, key: Tuple[Any, ...], level: int, msg: str, *args: Any) -> None:
        with self._stats_lock:
            first = key not in self._logged_errors
            if first:
                self._logged_errors.add(key)
        logger.log(level if first else logging.DEBUG, msg, *args)

    def _after_fork_in_child(self) -> None:
        # Locks may have been held by threads that do not exist in the child,
        # and buffered/aggregated data belongs to the parent, which sends it.
        self._registry_lock = threading.Lock()
        self._buffer_lock = threading.Lock()
        self._send_lock = threading.Lock()
        self._collect_lock = threading.Lock()
        self._stats_lock = threading.Lock()
        self._buffer = collections.deque()
        self._transport = HttpTransport(self.endpoint, timeout=self.timeout)
        for handle in list(self._handles.values()):
            handle._reinit_after_fork()
        self._thread = None
        if self._start_thread and not self._closed:
            self._spawn_thread()


def _flush_loop(ref: "weakref.ref[Client]", stop: threading.Event, interval: float) -> None:
    next_tick = _monotonic() + interval
    while not stop.wait(max(0.0, next_tick - _monotonic())):
        client = ref()
        if client is None:
            return
        try:
            client._tick(stop)
        except Exception:  # pragma: no cover - keep the thread alive
            logger.exception("vantage: unexpected error in the flush thread")
        del client
        next_tick += interval
        now = _monotonic()
        if next_tick < now:  # a slow flush: skip missed ticks instead of bursting
            next_tick = now + interval


def _error_details(resp: Response) -> Tuple[Optional[str], Optional[str], Optional[str]]:
    try:
        doc = json.loads(resp.body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return None, None, None
    err = doc.get("error") if isinstance(doc, dict) else None
    if not isinstance(err, dict):
        return None, None, None
    return err.get("code"), err.get("message"), err.get("field")


def _parse_retry_after(value: Optional[str]) -> Optional[float]:
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - time.time())


def _snippet(body: bytes, limit: int = 200) -> str:
    text = body[:limit].decode("utf-8", "replace")
    return text or "(empty body)"


def _sample_at(batch: List[str], index: Any) -> str:
    if isinstance(index, int) and 0 <= index < len(batch):
        return batch[index][:300]
    return "?"


_LIVE_CLIENTS: "weakref.WeakSet[Client]" = weakref.WeakSet()


def _reinit_all_after_fork() -> None:
    for client in list(_LIVE_CLIENTS):
        try:
            client._after_fork_in_child()
        except Exception:  # pragma: no cover
            pass


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reinit_all_after_fork)
