"""The template sandbox: a result template reaches its fields and nothing else, and cannot run away.

A province administrator writes the body of a result in the browser (issue 17: "a template cannot reach anything but
its fields"). Three lines of defence, each with its Vietnamese refusal:

* **At save** (``check_template``): the source is parsed and its size bounded; the syntax tree may hold only output,
  conditions and ``for`` loops over fields, names that are fields (or the loop's own variable), ``loop.index`` /
  ``loop.first`` / ``loop.last`` and a few filters; no attribute or item access, no calls, macros, ``set``,
  includes or arithmetic, loops nested at most ``MAX_LOOP_DEPTH`` deep. Then the template is rendered against a
  sample of every field — once small, once at the fields' maximum sizes — so a template that would render
  megabytes or run too long with real data is refused before any dossier meets it. The HTML it produces may use only
  a few tags and attributes (no script, style, image or link reaches the PDF renderer).
* **At render** (``render_body``): Jinja's ``ImmutableSandboxedEnvironment`` with ``StrictUndefined``, an empty
  global namespace, the fields dict as the whole context, autoescaping; the output is streamed and stopped past
  ``MAX_OUTPUT_CHARS``; the elapsed time is checked at every chunk and at every item a loop takes from a list field,
  so nested loops that produce nothing are stopped too.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

from jinja2 import StrictUndefined, TemplateSyntaxError, nodes
from jinja2.exceptions import SecurityError, UndefinedError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from motcua.kit.errors import ValidationFailed

MAX_SOURCE_CHARS = 20_000
MAX_OUTPUT_CHARS = 1_000_000
MAX_SECONDS = 2.0
MAX_LOOP_DEPTH = 2
MAX_LIST_ITEMS = 50

FIELD_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
FIELD_KINDS = {"text": "Một dòng", "multiline": "Nhiều dòng", "list": "Danh sách (mỗi dòng một mục)"}
LOOP_ATTRIBUTES = frozenset({"index", "first", "last", "length"})
SAFE_FILTERS = frozenset({"upper", "lower", "capitalize", "title", "trim", "join", "length", "first", "last",
                          "e", "escape", "default", "d"})
ALLOWED_TAGS = frozenset({"p", "br", "strong", "b", "em", "i", "u", "ul", "ol", "li", "table", "thead", "tbody",
                          "tr", "td", "th", "h2", "h3", "div", "span"})
ALLOWED_ATTRIBUTES = frozenset({"class", "colspan", "rowspan"})

_ALLOWED_NODES: tuple[type[nodes.Node], ...] = (
    nodes.Template, nodes.Output, nodes.TemplateData, nodes.Name, nodes.Const, nodes.If, nodes.For, nodes.Filter,
    nodes.Compare, nodes.Operand, nodes.And, nodes.Or, nodes.Not, nodes.Concat, nodes.CondExpr, nodes.Getattr,
    nodes.Test, nodes.List, nodes.Tuple, nodes.Keyword,
)


class TemplateRefused(ValidationFailed):
    """A template the sandbox will not save or render, with the reason in Vietnamese."""

    code = "template_refused"


@dataclass(frozen=True)
class Field:
    """One field a template may read: a standard one from the dossier, or a variable part the officer fills."""

    key: str
    label: str
    kind: str = "text"  # text | multiline | list
    max_length: int = 500

    def sample(self, *, large: bool) -> Any:
        if self.kind == "list":
            count = MAX_LIST_ITEMS if large else 2
            return [("x" * min(self.max_length, 200)) if large else f"{self.label} {i + 1}" for i in range(count)]
        return "x" * self.max_length if large else f"[{self.label}]"


class _Deadline:
    def __init__(self, seconds: float) -> None:
        self.ends = time.monotonic() + seconds

    def check(self) -> None:
        if time.monotonic() > self.ends:
            raise TemplateRefused("Mẫu kết quả chạy quá lâu (vòng lặp không dừng hoặc quá nhiều vòng lặp lồng nhau); "
                                  "đã dừng hiển thị.", fields={"body": "Chạy quá lâu."})


class _TimedList(list[Any]):
    """A list field whose every item taken checks the render's deadline (nested loops that output nothing)."""

    deadline: _Deadline

    def __iter__(self) -> Iterator[Any]:
        for item in super().__iter__():
            self.deadline.check()
            yield item


def _environment() -> ImmutableSandboxedEnvironment:
    env = ImmutableSandboxedEnvironment(autoescape=True, undefined=StrictUndefined, trim_blocks=True,
                                        lstrip_blocks=True)
    env.globals.clear()  # no range, dict, lipsum, cycler, joiner, namespace: only the fields
    env.filters = {name: f for name, f in env.filters.items() if name in SAFE_FILTERS}
    env.tests = {name: t for name, t in env.tests.items() if name in {"defined", "none", "string"}}
    return env


_ENV = _environment()


def _refuse(message: str) -> TemplateRefused:
    return TemplateRefused(message, fields={"body": message})


def _check_tree(tree: nodes.Template, names: frozenset[str]) -> None:
    """Walk the syntax tree: only the allowed constructs, only the fields' names, loops not nested too deep."""

    def walk(node: nodes.Node, scope: frozenset[str], depth: int) -> None:
        if not isinstance(node, _ALLOWED_NODES):
            raise _refuse(f"Mẫu dùng cú pháp không được phép ({type(node).__name__}): chỉ được hiển thị trường, "
                          "điều kiện «if» và vòng lặp «for» trên trường danh sách.")
        if isinstance(node, nodes.Name):
            if node.ctx != "load" and not (node.ctx == "store"):
                raise _refuse("Mẫu không được gán giá trị.")
            if node.ctx == "load" and node.name not in scope:
                raise _refuse(f"Mẫu đọc «{node.name}», không phải một trường của mẫu.")
            return
        if isinstance(node, nodes.Getattr):
            if not (isinstance(node.node, nodes.Name) and node.node.name == "loop" and "loop" in scope
                    and node.attr in LOOP_ATTRIBUTES):
                raise _refuse("Mẫu chỉ được đọc trường, không được đọc thuộc tính («.» chỉ dùng cho loop.index, "
                              "loop.first, loop.last).")
            return
        if isinstance(node, nodes.Filter):
            if node.name not in SAFE_FILTERS:
                raise _refuse(f"Bộ lọc «{node.name}» không được phép trong mẫu.")
            if node.dyn_args is not None or node.dyn_kwargs is not None:
                raise _refuse("Mẫu không được truyền tham số động cho bộ lọc.")
        if isinstance(node, nodes.Test) and node.name not in {"defined", "none", "string"}:
            raise _refuse(f"Phép kiểm tra «{node.name}» không được phép trong mẫu.")
        if isinstance(node, nodes.For):
            if node.recursive:
                raise _refuse("Mẫu không được dùng vòng lặp đệ quy.")
            if depth + 1 > MAX_LOOP_DEPTH:
                raise _refuse(f"Vòng lặp lồng nhau quá {MAX_LOOP_DEPTH} tầng.")
            if not isinstance(node.iter, nodes.Name):
                raise _refuse("Vòng lặp «for» chỉ được chạy trên một trường danh sách.")
            walk(node.iter, scope, depth)
            if not isinstance(node.target, nodes.Name):
                raise _refuse("Biến của vòng lặp phải là một tên đơn.")
            inner = scope | {node.target.name, "loop"}
            for child in [*node.body, *node.else_]:
                walk(child, inner, depth + 1)
            if node.test is not None:
                walk(node.test, inner, depth + 1)
            return
        for child in node.iter_child_nodes():
            walk(child, scope, depth)

    walk(tree, names, 0)


class _TagCheck(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problem: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.problem = self.problem or f"Thẻ HTML <{tag}> không được phép trong mẫu."
        for name, _value in attrs:
            if name not in ALLOWED_ATTRIBUTES:
                self.problem = self.problem or f"Thuộc tính HTML «{name}» không được phép trong mẫu."

    handle_startendtag = handle_starttag


def _check_html(html: str) -> None:
    checker = _TagCheck()
    checker.feed(html)
    checker.close()
    if checker.problem:
        raise _refuse(checker.problem)


def check_template(body: str, fields: list[Field]) -> None:
    """Refuse, before it is saved, a template that could read beyond its fields, loop without end, render megabytes
    or produce HTML the PDF must not see (the module's docstring says how)."""
    if len(body) > MAX_SOURCE_CHARS:
        raise _refuse(f"Nội dung mẫu dài quá {MAX_SOURCE_CHARS:,} ký tự.".replace(",", "."))
    try:
        tree = _ENV.parse(body)
    except TemplateSyntaxError as exc:
        raise _refuse(f"Mẫu sai cú pháp ở dòng {exc.lineno}: {exc.message}") from exc
    _check_tree(tree, frozenset(f.key for f in fields))
    for large in (False, True):
        html = render_body(body, {f.key: f.sample(large=large) for f in fields})
        if not large:
            _check_html(html)


def render_body(body: str, values: Mapping[str, Any], *, max_chars: int = MAX_OUTPUT_CHARS,
                seconds: float = MAX_SECONDS) -> str:
    """The body rendered with ``values`` as its whole context, stopped past ``max_chars`` or ``seconds``."""
    deadline = _Deadline(seconds)
    context: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, list):
            timed = _TimedList(value)
            timed.deadline = deadline
            context[key] = timed
        else:
            context[key] = value
    try:
        template = _ENV.from_string(body)
        out: list[str] = []
        size = 0
        for chunk in template.generate(context):
            size += len(chunk)
            if size > max_chars:
                raise _refuse(f"Mẫu tạo ra quá {max_chars // 1000:,} nghìn ký tự; đã dừng hiển thị."
                              .replace(",", "."))
            deadline.check()
            out.append(chunk)
    except TemplateRefused:
        raise
    except TemplateSyntaxError as exc:
        raise _refuse(f"Mẫu sai cú pháp ở dòng {exc.lineno}: {exc.message}") from exc
    except UndefinedError as exc:
        raise _refuse(f"Mẫu đọc một trường không có: {exc.message}") from exc
    except SecurityError as exc:
        raise _refuse("Mẫu truy cập ngoài các trường của nó.") from exc
    except RecursionError as exc:
        raise _refuse("Mẫu lồng nhau quá sâu.") from exc
    except (TypeError, ValueError, AttributeError) as exc:
        raise _refuse(f"Mẫu không hiển thị được với dữ liệu này ({type(exc).__name__}).") from exc
    return "".join(out)
