"""Metric handles: Counter, Gauge, Histogram and Timer.

Every handle owns a small lock and its aggregation state for the current flush
interval.  The hot-path methods (``inc``, ``set``, ``observe``) only take that
lock and update one or two attributes; serialization happens on the flush
thread, in ``_collect``.

Each handle pre-serializes the constant part of its JSON sample (service, name,
type, tags) once, at creation, so that emitting a sample at flush time is a
couple of string concatenations.
"""

from __future__ import annotations

import functools
import inspect
import json
import math
import random
import threading
import time
from typing import Any, Callable, Dict, List, Optional, Tuple, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

_time = time.time
_perf_counter = time.perf_counter
_random = random.random


# The collector refuses larger magnitudes (VTG_INGEST_VALUE_OUT_OF_RANGE) so that sums of
# samples can never overflow; the same bound as METRIC_LIMITS.valueMaxMagnitude on the server.
MAX_MAGNITUDE = 1e291


def format_value(value: Any) -> Optional[str]:
    """Render a sample value as a JSON number, or None if the collector would refuse it."""
    if type(value) is int:
        return str(value) if abs(value) <= MAX_MAGNITUDE else None
    try:
        f = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    if math.isinf(f) or math.isnan(f) or abs(f) > MAX_MAGNITUDE:
        return None
    return repr(f)


class _Handle:
    """Base class: identity of a series plus its pre-serialized JSON prefix."""

    __slots__ = ("name", "tags", "_lock", "_prefix")

    kind = ""  # "counter", "gauge" or "histogram"
    wire_type = ""  # "counter" or "gauge"

    def __init__(self, service: str, name: str, tags: Dict[str, str]) -> None:
        self.name = name
        self.tags = tags
        self._lock = threading.Lock()
        head = json.dumps(
            {"service": service, "name": name, "type": self.wire_type, "tags": tags},
            separators=(",", ":"),
        )
        # '{"service":...,"tags":{...}' + ',"value":'  -> value and timestamp appended later
        self._prefix = head[:-1] + ',"value":'

    def _sample(self, value_text: str, ts_ms: int) -> str:
        return "%s%s,\"timestamp\":%d}" % (self._prefix, value_text, ts_ms)

    def _reinit_after_fork(self) -> None:
        self._lock = threading.Lock()
        self._reset()

    def _reset(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def _collect(self, now_ms: int, out: List[str]) -> Tuple[int, int]:  # pragma: no cover
        """Append serialized samples to ``out``; return (invalid, sampled_out)."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return "<%s %s %r>" % (type(self).__name__, self.name, self.tags)


class Counter(_Handle):
    """A monotonically increasing count.  Each flush sends the delta since the
    previous flush as one ``counter`` sample (nothing if it was not touched)."""

    __slots__ = ("_value", "_dirty")
    kind = "counter"
    wire_type = "counter"

    def __init__(self, service: str, name: str, tags: Dict[str, str]) -> None:
        super().__init__(service, name, tags)
        self._value: Any = 0
        self._dirty = False

    def inc(self, n: float = 1) -> None:
        """Add ``n`` (default 1, must be >= 0) to the counter."""
        if n < 0:
            raise ValueError("counter increments must be >= 0, got %r" % (n,))
        with self._lock:
            self._value += n
            self._dirty = True

    def _reset(self) -> None:
        self._value = 0
        self._dirty = False

    def _collect(self, now_ms: int, out: List[str]) -> Tuple[int, int]:
        with self._lock:
            if not self._dirty:
                return 0, 0
            value = self._value
            self._value = 0
            self._dirty = False
        text = format_value(value)
        if text is None:
            return 1, 0
        out.append(self._sample(text, now_ms))
        return 0, 0


class Gauge(_Handle):
    """A value that goes up and down.  Each flush sends the last value set during
    the interval as one ``gauge`` sample, stamped with the time it was set.
    A gauge that was not set during an interval sends nothing for it."""

    __slots__ = ("_value", "_ts", "_dirty")
    kind = "gauge"
    wire_type = "gauge"

    def __init__(self, service: str, name: str, tags: Dict[str, str]) -> None:
        super().__init__(service, name, tags)
        self._value: Any = 0
        self._ts = 0.0
        self._dirty = False

    def set(self, value: float) -> None:
        """Set the gauge to ``value``."""
        t = _time()
        with self._lock:
            self._value = value
            self._ts = t
            self._dirty = True

    def inc(self, n: float = 1) -> None:
        """Add ``n`` to the current value (which persists across flushes)."""
        t = _time()
        with self._lock:
            self._value += n
            self._ts = t
            self._dirty = True

    def dec(self, n: float = 1) -> None:
        """Subtract ``n`` from the current value."""
        self.inc(-n)

    def _reset(self) -> None:
        self._dirty = False

    def _collect(self, now_ms: int, out: List[str]) -> Tuple[int, int]:
        with self._lock:
            if not self._dirty:
                return 0, 0
            value = self._value
            ts = self._ts
            self._dirty = False
        text = format_value(value)
        if text is None:
            return 1, 0
        out.append(self._sample(text, int(ts * 1000)))
        return 0, 0


class Histogram(_Handle):
    """A distribution.  Every observation is sent as its own ``gauge`` sample
    with its own timestamp; the collector builds quantile sketches from them.

    At most ``max_samples`` observations are kept per flush interval.  Past that
    the handle switches to reservoir sampling (Vitter's algorithm R): each of the
    ``n`` observations seen so far has the same ``max_samples / n`` chance of
    being kept, so quantiles stay unbiased while memory stays bounded.  The
    number of observations that were not kept is reported as
    ``client.stats()["sampled_out"]``.
    """

    __slots__ = ("_obs", "_seen", "_cap")
    kind = "histogram"
    wire_type = "gauge"

    def __init__(
        self, service: str, name: str, tags: Dict[str, str], max_samples: int = 10_000
    ) -> None:
        super().__init__(service, name, tags)
        if max_samples < 1:
            raise ValueError("max_samples must be >= 1")
        self._cap = max_samples
        self._obs: List[Tuple[float, Any]] = []
        self._seen = 0

    def observe(self, value: float) -> None:
        """Record one observation."""
        t = _time()
        with self._lock:
            n = self._seen + 1
            self._seen = n
            if n <= self._cap:
                self._obs.append((t, value))
            else:
                j = int(_random() * n)
                if j < self._cap:
                    self._obs[j] = (t, value)

    def _reset(self) -> None:
        self._obs = []
        self._seen = 0

    def _collect(self, now_ms: int, out: List[str]) -> Tuple[int, int]:
        with self._lock:
            if not self._seen:
                return 0, 0
            obs = self._obs
            seen = self._seen
            self._obs = []
            self._seen = 0
        invalid = 0
        sample = self._sample
        for t, value in obs:
            text = format_value(value)
            if text is None:
                invalid += 1
            else:
                out.append(sample(text, int(t * 1000)))
        return invalid, seen - len(obs)


class Timer:
    """Measures elapsed wall time in milliseconds into a :class:`Histogram`.

    Usable as a context manager (``with client.timer("db_ms"): ...``), also when
    the same Timer object is shared between threads or nested, and as a
    decorator for plain and ``async`` functions.  Exceptions are timed too and
    re-raised.
    """

    __slots__ = ("histogram", "_local")

    def __init__(self, histogram: Histogram) -> None:
        self.histogram = histogram
        self._local = threading.local()

    def __enter__(self) -> "Timer":
        local = self._local
        try:
            local.starts.append(_perf_counter())
        except AttributeError:
            local.starts = [_perf_counter()]
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        elapsed = _perf_counter() - self._local.starts.pop()
        self.histogram.observe(elapsed * 1000.0)

    def __call__(self, func: F) -> F:
        observe = self.histogram.observe
        if inspect.iscoroutinefunction(func):

            @functools.wraps(func)
            async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
                start = _perf_counter()
                try:
                    return await func(*args, **kwargs)
                finally:
                    observe((_perf_counter() - start) * 1000.0)

            return async_wrapper  # type: ignore[return-value]

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = _perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                observe((_perf_counter() - start) * 1000.0)

        return wrapper  # type: ignore[return-value]

    def __repr__(self) -> str:
        return "<Timer %s %r>" % (self.histogram.name, self.histogram.tags)
