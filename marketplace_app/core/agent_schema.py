"""A JSON Schema an agent sent us: refused when it is unsafe or invalid, evaluated with bounded work.

Agents write schemas (a request's `output_schema`); other people write the documents checked
against them. Neither may make the server do I/O or unbounded work:

- references resolve only inside the schema: the registry has no retrieve function, so a
  reference to anything else is `Unresolvable` (never a fetch), and `check_agent_schema`
  refuses such a schema when it is accepted;
- `pattern`, `patternProperties` and `format: regex` run on RE2 (`core/safe_regex.py`), never `re`;
- `uniqueItems` hashes the items instead of comparing every pair;
- every keyword evaluated spends from a budget of this thread's CPU time (`agent_schema_check_ms`,
  so a busy machine does not turn a valid answer into a refusal): running out is
  an answer, not a hung thread;
- `format` stays an annotation on documents (draft 2020-12's default), so no format check runs.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from itertools import islice
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker, ValidationError, validators
from jsonschema.exceptions import best_match
from referencing import Registry
from referencing.exceptions import Unresolvable
from referencing.jsonschema import DRAFT202012

from marketplace_app.core.errors import ValidationFailed
from marketplace_app.core.safe_regex import UnsupportedPattern, check_pattern, search
from marketplace_app.settings import get_settings

log = logging.getLogger(__name__)

DIALECT = "https://json-schema.org/draft/2020-12/schema"
MAX_REPORTED_ERRORS = 10
_NO_RETRIEVAL = Registry()  # no `retrieve`: a URI not in the schema is Unresolvable, never fetched
_REFERENCES = ("$ref", "$dynamicRef")
# Keywords whose subschemas apply to the same place in the document: a cycle through them never ends.
_SAME_PLACE_LISTS = ("allOf", "anyOf", "oneOf")
_SAME_PLACE_ONE = ("not", "if", "then", "else")
_DEADLINE: ContextVar[float | None] = ContextVar("agent_schema_deadline", default=None)
_NO_MORE = object()


class _OutOfTime(Exception):
    """The time budget of one check ran out."""


@dataclass(frozen=True, slots=True)
class SchemaCheck:
    """A document checked against an agent's schema: what does not match, or why it was not checked."""

    errors: tuple[str, ...] = ()
    unchecked: str | None = None

    @property
    def valid(self) -> bool:
        """Whether the document was checked and matches."""
        return not self.errors and self.unchecked is None


def check_agent_schema(schema: object, *, field: str = "output_schema") -> None:
    """Refuse a JSON Schema an agent sent us unless it can be evaluated later, safely.

    Raises:
        ValidationFailed: Naming the first problem: not an object, too deep, too many objects,
            too large, NaN, invalid under the draft 2020-12 metaschema (with where), a pattern
            RE2 cannot run, a `$ref`/`$dynamicRef`/`$schema`/`$id` pointing outside the document,
            a combination the library would run on `re`, or subschemas that loop without moving
            into the document.
    """
    try:
        with _time_budget():
            _check(schema, field)
    except _OutOfTime:
        raise ValidationFailed(f"{field} took longer than {get_settings().agent_schema_check_ms} ms to check; "
                               "simplify it") from None


def validate_against(schema: object, instance: object, *, field: str = "output_schema") -> SchemaCheck:
    """Check `instance` against an agent's `schema` with no I/O and bounded work; never raises.

    A schema that would be refused today (an old row, say) is not evaluated: the answer is
    `unchecked` with the reason, as it is when the time budget runs out.
    """
    try:
        with _time_budget():
            _check(schema, field)
            validator = _BoundedValidator(schema, registry=_NO_RETRIEVAL)
            found = list(islice(validator.iter_errors(instance), MAX_REPORTED_ERRORS))
    except ValidationFailed as exc:
        return SchemaCheck(unchecked=exc.message)
    except _OutOfTime:
        return SchemaCheck(unchecked=f"{field} took longer than {get_settings().agent_schema_check_ms} ms to check")
    except RecursionError:
        return SchemaCheck(unchecked=f"the document nests too deeply to check against {field}")
    except Exception:  # the schema and the document come from outside: no input may become a 500
        log.warning("evaluating an agent's JSON Schema failed", exc_info=True)
        return SchemaCheck(unchecked=f"{field} could not be evaluated")
    return SchemaCheck(errors=tuple(_describe(error) for error in sorted(found, key=_location)))


@contextmanager
def _time_budget() -> Iterator[None]:
    token = _DEADLINE.set(time.thread_time() + get_settings().agent_schema_check_ms / 1000)
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def _spend() -> None:
    deadline = _DEADLINE.get()
    if deadline is not None and time.thread_time() >= deadline:
        raise _OutOfTime


def _check(schema: object, field: str) -> None:
    _check_shape(schema, field)
    _check_metaschema(schema, field)
    if isinstance(schema, dict):
        nodes = _subschemas(schema)
        resolver = _NO_RETRIEVAL.resolver_with_root(DRAFT202012.create_resource(schema))
        _check_identifiers(schema, nodes, field)
        _check_combination(nodes, field)
        _check_references(nodes, resolver, field)
        _check_loops(nodes, resolver, field)


def _check_shape(schema: object, field: str) -> None:
    """Type, depth, object count, size and plain JSON, before anything recursive reads the schema."""
    if not isinstance(schema, dict | bool):
        raise ValidationFailed(f"{field} must be a JSON object")
    settings = get_settings()
    depth, objects = _measure(schema, max_depth=settings.agent_schema_max_depth,
                              max_objects=settings.agent_schema_max_objects)
    if depth > settings.agent_schema_max_depth:
        raise ValidationFailed(f"{field} nests deeper than {settings.agent_schema_max_depth} levels")
    if objects > settings.agent_schema_max_objects:
        raise ValidationFailed(f"{field} has more than {settings.agent_schema_max_objects} JSON objects "
                               "(each subschema is one)")
    try:
        text = json.dumps(schema, allow_nan=False, ensure_ascii=False, separators=(",", ":"))
    except (TypeError, ValueError):
        raise ValidationFailed(f"{field} must be plain JSON (NaN and Infinity are not JSON numbers)") from None
    if len(text.encode()) > settings.agent_schema_max_bytes:
        raise ValidationFailed(f"{field} must be at most {settings.agent_schema_max_bytes} bytes of JSON")


def _measure(document: object, *, max_depth: int, max_objects: int) -> tuple[int, int]:
    """How deep arrays and objects nest and how many objects there are (every subschema is one),
    walking iteratively (any depth is safe) and stopping once either passes its cap."""
    deepest, objects = 0, 0
    stack = [(document, 1)]
    while stack and deepest <= max_depth and objects <= max_objects:
        value, depth = stack.pop()
        if isinstance(value, dict):
            objects += 1
            stack.extend((child, depth + 1) for child in value.values())
        elif isinstance(value, list):
            stack.extend((child, depth + 1) for child in value)
        else:
            continue
        deepest = max(deepest, depth)
    return deepest, objects


def _check_metaschema(schema: object, field: str) -> None:
    checker = _BoundedValidator(Draft202012Validator.META_SCHEMA, registry=_NO_RETRIEVAL,
                                format_checker=_REGEX_FORMAT)
    error = best_match(checker.iter_errors(schema))
    if error is not None:
        reason = str(error.cause) if isinstance(error.cause, UnsupportedPattern) else error.message[:200]
        raise ValidationFailed(f"{field} is not a valid JSON Schema at {_pointer(error.absolute_path)}: {reason}")


def _subschemas(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """Every object subschema, the root first (booleans are schemas too, but hold nothing)."""
    found: list[dict[str, Any]] = []
    stack: list[object] = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            found.append(node)
            stack.extend(DRAFT202012.subresources_of(node))
    return found


def _check_identifiers(root: dict[str, Any], nodes: list[dict[str, Any]], field: str) -> None:
    """One resource, of our dialect: a nested `$id` would change what `#…` means below it."""
    if "$schema" in root and root["$schema"].removesuffix("#") != DIALECT:
        raise ValidationFailed(f"{field}: $schema must be {DIALECT} (or left out)")
    for node in nodes:
        if node is not root and ("$schema" in node or "$id" in node):
            raise ValidationFailed(f"{field}: $id and $schema are only allowed at the root")


def _check_combination(nodes: list[dict[str, Any]], field: str) -> None:
    has_unevaluated = any("unevaluatedProperties" in node for node in nodes)
    if has_unevaluated and any("patternProperties" in node for node in nodes):
        # The library evaluates that pair with Python's backtracking `re`.
        raise ValidationFailed(f"{field}: unevaluatedProperties cannot be combined with patternProperties; "
                               "use additionalProperties")


def _check_references(nodes: list[dict[str, Any]], resolver: Any, field: str) -> None:
    known = {id(node) for node in nodes}
    for node in nodes:
        for keyword in _REFERENCES:
            if keyword not in node:
                continue
            target = node[keyword]
            if not target.startswith("#"):
                raise ValidationFailed(f"{field}: {keyword} {target[:100]!r} points outside the schema; only "
                                       "references inside it ('#/$defs/…', '#anchor') are allowed")
            contents = _lookup(resolver, target)
            if not (isinstance(contents, bool) or id(contents) in known):
                raise ValidationFailed(f"{field}: {keyword} {target[:100]!r} does not point to a subschema of it")


def _lookup(resolver: Any, target: str) -> object:
    try:
        return resolver.lookup(target).contents
    except (Unresolvable, LookupError, TypeError, ValueError):
        return None


def _check_loops(nodes: list[dict[str, Any]], resolver: Any, field: str) -> None:
    """Refuse subschemas that reach themselves without moving into the document (`{"$ref": "#"}`)."""
    state: dict[int, bool] = {}  # id → True while on the current path, False once finished
    for start in nodes:
        if id(start) in state:
            continue
        state[id(start)] = True
        stack = [(start, _same_place(start, resolver))]
        while stack:
            node, children = stack[-1]
            child = next(children, _NO_MORE)
            if child is _NO_MORE:
                state[id(node)] = False
                stack.pop()
            elif isinstance(child, dict) and state.get(id(child)):
                raise ValidationFailed(f"{field} refers to itself in a loop that never moves into the document")
            elif isinstance(child, dict) and id(child) not in state:
                state[id(child)] = True
                stack.append((child, _same_place(child, resolver)))


def _same_place(node: dict[str, Any], resolver: Any) -> Iterator[object]:
    for keyword in _REFERENCES:
        if keyword in node:
            yield _lookup(resolver, node[keyword])
    for keyword in _SAME_PLACE_LISTS:
        yield from node.get(keyword, ())
    for keyword in _SAME_PLACE_ONE:
        if keyword in node:
            yield node[keyword]
    yield from node.get("dependentSchemas", {}).values()


def _pointer(path: Iterable[object]) -> str:
    parts = [str(part).replace("~", "~0").replace("/", "~1") for part in path]
    return "/" + "/".join(parts) if parts else "the root"


def _location(error: ValidationError) -> list[str]:
    return [str(part) for part in error.absolute_path]


def _describe(error: ValidationError) -> str:
    return f"{error.message[:200]} (at {_pointer(error.absolute_path)})"


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else f"{text[:77]}..."


# The keywords that the library evaluates with Python's `re` or in quadratic time, rewritten.

def _pattern(validator: Any, pattern: str, instance: object, schema: object) -> Iterator[ValidationError]:
    if validator.is_type(instance, "string") and not search(pattern, instance):
        yield ValidationError(f"{_short(instance)} does not match {pattern!r}")


def _pattern_properties(validator: Any, patterns: dict[str, Any], instance: Any,
                        schema: object) -> Iterator[ValidationError]:
    if not validator.is_type(instance, "object"):
        return
    for pattern, subschema in patterns.items():
        _spend()
        for name, value in instance.items():
            if search(pattern, name):
                yield from validator.descend(value, subschema, path=name, schema_path=pattern)


def _additional_properties(validator: Any, additional: Any, instance: Any,
                           schema: dict[str, Any]) -> Iterator[ValidationError]:
    if not validator.is_type(instance, "object"):
        return
    declared, patterns = schema.get("properties", {}), schema.get("patternProperties", {})
    extras = [name for name in instance
              if name not in declared and not any(search(pattern, name) for pattern in patterns)]
    if validator.is_type(additional, "object"):
        for name in extras:
            yield from validator.descend(instance[name], additional, path=name)
    elif additional is False and extras:
        yield ValidationError(f"Additional properties are not allowed ({_short(sorted(extras))} unexpected)")


def _unique_items(validator: Any, unique: bool, instance: Any, schema: object) -> Iterator[ValidationError]:
    if not unique or not validator.is_type(instance, "array"):
        return
    seen: set[object] = set()
    for item in instance:
        key = _hashable(item)
        if key in seen:
            yield ValidationError(f"{_short(instance)} has non-unique elements")
            return
        seen.add(key)


def _hashable(value: object) -> object:
    """JSON equality as a hashable key: 1 equals 1.0 (as in Python), true is not 1."""
    if isinstance(value, bool):
        return ("boolean", value)
    if isinstance(value, list):
        return ("array", tuple(_hashable(item) for item in value))
    if isinstance(value, dict):
        return ("object", frozenset((name, _hashable(item)) for name, item in value.items()))
    return ("number", value) if isinstance(value, int | float) else (type(value).__name__, value)


def _bounded(keyword: Callable[..., Any]) -> Callable[..., Any]:
    def evaluate(validator: Any, value: Any, instance: Any, schema: Any) -> Any:
        _spend()
        return keyword(validator, value, instance, schema)
    return evaluate


def _regex_format(value: object) -> bool:
    if isinstance(value, str):
        check_pattern(value)
    return True


_REGEX_FORMAT = FormatChecker(formats=())
_REGEX_FORMAT.checks("regex", raises=UnsupportedPattern)(_regex_format)
_KEYWORDS = {**Draft202012Validator.VALIDATORS, "pattern": _pattern, "patternProperties": _pattern_properties,
             "additionalProperties": _additional_properties, "uniqueItems": _unique_items}
_BoundedValidator = validators.extend(Draft202012Validator, {name: _bounded(fn) for name, fn in _KEYWORDS.items()})
