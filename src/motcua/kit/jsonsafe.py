"""JSON read with a bound on nesting, checked by a flat scan before any recursive parser runs.

Python's ``json`` (and the validators after it) recurse once per level: a body nested 50,000 deep is a
``RecursionError``, and one just under the interpreter's limit still costs a deep stack.
No document motcua accepts is deeper than a few levels (the catalogue: catalogue → procedures → procedure →
documents → document), so anything past ``MAX_JSON_DEPTH`` is refused in Vietnamese before parsing (OWASP ASVS 4.0
V13.1.1/V5.1.4, input checked against its structure; house rule 6).
"""

from __future__ import annotations

import json
import re
from typing import Any

from motcua.kit.errors import ValidationFailed

MAX_JSON_DEPTH = 32
"""Levels of arrays and objects a request body may have; the deepest document motcua reads has about six."""

_STRUCTURE = re.compile(rb'[\[\]{}"\\]')


class JsonTooDeep(ValidationFailed):
    code = "json_too_deep"
    default_message = f"Dữ liệu JSON lồng nhau quá sâu (tối đa {MAX_JSON_DEPTH} cấp)."


def json_depth(data: bytes, limit: int = MAX_JSON_DEPTH) -> int:
    """The deepest nesting of arrays and objects in ``data``, counting no further than ``limit + 1``.

    One pass over the structural bytes only; brackets inside strings (escaped quotes included) do not count.
    Malformed input gives some number: the parser that runs afterwards says what is wrong with it.
    """
    depth = deepest = 0
    in_string = False
    skip_to = -1  # the byte after a backslash inside a string
    for match in _STRUCTURE.finditer(data):
        at = match.start()
        if at < skip_to:
            continue
        char = data[at:at + 1]
        if in_string:
            if char == b"\\":
                skip_to = at + 2
            elif char == b'"':
                in_string = False
            continue
        if char == b'"':
            in_string = True
        elif char in (b"[", b"{"):
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > limit:
                    return deepest
        elif char in (b"]", b"}"):
            depth = max(depth - 1, 0)
    return deepest


def check_depth(data: bytes, limit: int = MAX_JSON_DEPTH) -> None:
    """``JsonTooDeep`` (422) if ``data`` nests deeper than ``limit``."""
    if json_depth(data, limit) > limit:
        message = f"Dữ liệu JSON lồng nhau quá sâu (tối đa {limit} cấp)."
        raise JsonTooDeep(message, fields={"json": message})


def loads(data: bytes, limit: int = MAX_JSON_DEPTH) -> Any:
    """``json.loads`` of UTF-8 bytes (a BOM allowed) after ``check_depth``; the caller handles decode errors."""
    check_depth(data, limit)
    return json.loads(data.decode("utf-8-sig"))
