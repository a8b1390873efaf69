"""Client-side validation mirroring the collector's limits.

Names and tags are validated once, when a metric handle is created, so the hot
path (``inc``/``set``/``observe``) never pays for it and the collector never sees
a sample that it would reject for a naming reason.
"""

from __future__ import annotations

import re
from typing import Dict, Mapping, Optional

MAX_SERVICE_LEN = 128
MAX_NAME_LEN = 256
MAX_TAGS = 32
MAX_TAG_KEY_LEN = 128
MAX_TAG_VALUE_LEN = 256
MAX_METRICS_PER_REQUEST = 10_000
MAX_BODY_BYTES = 5 * 1024 * 1024

_SERVICE_RE = re.compile(r"[A-Za-z0-9_.:/-]{1,128}")
_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_.:]*")
_TAG_KEY_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")


def validate_service(service: object) -> str:
    if not isinstance(service, str) or not _SERVICE_RE.fullmatch(service):
        raise ValueError(
            "invalid service %r: must be 1-%d characters of [A-Za-z0-9_.:/-]"
            % (service, MAX_SERVICE_LEN)
        )
    return service


def validate_name(name: object) -> str:
    if (
        not isinstance(name, str)
        or len(name) > MAX_NAME_LEN
        or not _NAME_RE.fullmatch(name)
    ):
        raise ValueError(
            "invalid metric name %r: must match [A-Za-z_][A-Za-z0-9_.:]* and be at most %d characters"
            % (name, MAX_NAME_LEN)
        )
    return name


def normalize_tags(tags: Optional[Mapping[str, object]]) -> Dict[str, str]:
    """Validate tag keys and convert values to strings (returns a new dict)."""
    if not tags:
        return {}
    if not isinstance(tags, Mapping):
        raise TypeError("tags must be a mapping of str to str, got %r" % type(tags).__name__)
    out: Dict[str, str] = {}
    for key, value in tags.items():
        if (
            not isinstance(key, str)
            or len(key) > MAX_TAG_KEY_LEN
            or not _TAG_KEY_RE.fullmatch(key)
        ):
            raise ValueError(
                "invalid tag key %r: must match [A-Za-z_][A-Za-z0-9_.-]* and be at most %d characters"
                % (key, MAX_TAG_KEY_LEN)
            )
        if value is None:
            raise ValueError("tag %r has no value (None)" % key)
        text = value if isinstance(value, str) else str(value)
        if len(text) > MAX_TAG_VALUE_LEN:
            raise ValueError(
                "tag %r value is %d characters long; the limit is %d"
                % (key, len(text), MAX_TAG_VALUE_LEN)
            )
        out[key] = text
    return out


def merge_tags(defaults: Mapping[str, str], tags: Mapping[str, str]) -> Dict[str, str]:
    merged = dict(defaults)
    merged.update(tags)
    if len(merged) > MAX_TAGS:
        raise ValueError(
            "a metric may carry at most %d tags (default tags included), got %d"
            % (MAX_TAGS, len(merged))
        )
    return merged
