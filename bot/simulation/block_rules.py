"""What Slack refuses in a Block Kit payload: the stand-in's check of every message's blocks and every view.

Each block goes through slack_sdk's own models, ``Block.parse(b)`` then ``.validate_json()``, and so does each
element, text object, option and confirm dialog inside it, recursively (slack_sdk validates one object at a
time and never looks inside its children; ``View.validate_json()`` does not look inside its blocks). On top of
the models, the rules slack_sdk does not encode: an action_id used twice in one block, a block_id used twice in
one message or view, more than 10 checkboxes or radio buttons, a ``plain_text_input`` ``max_length`` outside
1-3,000, an empty text object, and a modal holding inputs without a submit button.

Each problem is one ``[ERROR] <what> [json-pointer:<where>]`` line, in the style of the ``response_metadata``
messages Slack answers ``invalid_blocks`` (chat.*) and ``invalid_arguments`` (views.*) with; the wording is
slack_sdk's or ours, not copied from a capture.
"""

from __future__ import annotations

from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.basic_objects import JsonObject
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

__all__ = ["block_errors", "view_errors"]

MAX_INPUT_LENGTH = 3000  # plain_text_input max_length: 1 to 3,000
# Option counts Slack documents that slack_sdk's models leave unchecked (select menus' 100 they check).
_MAX_OPTIONS = {"checkboxes": 10, "radio_buttons": 10}
_UNPARSEABLE = "failed to match all allowed schemas"
_TEXT_TYPES = frozenset({"plain_text", "mrkdwn"})


def _error(what: str, pointer: str) -> str:
    return f"[ERROR] {what} [json-pointer:{pointer}]"


def _field_pointer(message: str, raw: Any, pointer: str) -> str:
    """Where a slack_sdk validator's complaint points: its messages start with the attribute they are about
    ("text attribute cannot exceed 150 characters"), and a text object's length is its ``text``."""
    field = message.split(" ", 1)[0]
    if not isinstance(raw, dict) or field not in raw:
        return pointer
    value = raw[field]
    return f"{pointer}/{field}/text" if isinstance(value, dict) and "text" in value else f"{pointer}/{field}"


def _raw_rule_errors(raw: Any, pointer: str) -> list[str]:
    """The rules on one element or text object that slack_sdk's models do not check."""
    if not isinstance(raw, dict):
        return []
    errors = []
    kind = raw.get("type")
    if kind in _TEXT_TYPES and not str(raw.get("text") or ""):
        errors.append(_error("must be more than 0 characters", f"{pointer}/text"))
    limit = _MAX_OPTIONS.get(str(kind))
    options = raw.get("options")
    if limit is not None and isinstance(options, list) and len(options) > limit:
        errors.append(_error(f"no more than {limit} items allowed", f"{pointer}/options"))
    max_length = raw.get("max_length")
    valid_length = isinstance(max_length, int) and 1 <= max_length <= MAX_INPUT_LENGTH
    if kind == "plain_text_input" and max_length is not None and not valid_length:
        errors.append(_error(f"must be less than {MAX_INPUT_LENGTH + 1}", f"{pointer}/max_length"))
    return errors


def _object_errors(obj: JsonObject, raw: Any, pointer: str, *, skip: frozenset[str] = frozenset()) -> list[str]:
    """``obj.validate_json()``, then the same for every model object it holds, recursively."""
    errors = _raw_rule_errors(raw, pointer)
    try:
        obj.validate_json()
    except SlackObjectFormationError as problem:
        errors.append(_error(str(problem), _field_pointer(str(problem), raw, pointer)))
    except (TypeError, AttributeError, ValueError):  # a validator tripping over a value of the wrong type
        errors.append(_error(_UNPARSEABLE, pointer))
    for name, value in vars(obj).items():
        key = name.lstrip("_")  # ConfirmObject keeps its text objects in _title, _text, ...; Option in _text
        if key in skip:
            continue
        raw_value = raw.get(key) if isinstance(raw, dict) else None
        if isinstance(value, JsonObject):
            errors += _object_errors(value, raw_value, f"{pointer}/{key}")
        elif value is None and isinstance(raw_value, dict):  # slack_sdk skips what it cannot parse
            errors.append(_error(_UNPARSEABLE, f"{pointer}/{key}"))
        elif isinstance(value, list) and isinstance(raw_value, list):
            errors += _list_errors(value, raw_value, f"{pointer}/{key}")
    return errors


def _list_errors(parsed: list[Any], raw: list[Any], pointer: str) -> list[str]:
    if len(parsed) != len(raw):  # an item slack_sdk dropped as unknown
        return [_error(_UNPARSEABLE, pointer)]
    errors = []
    for index, (item, raw_item) in enumerate(zip(parsed, raw, strict=True)):
        if isinstance(item, JsonObject):
            errors += _object_errors(item, raw_item, f"{pointer}/{index}")
        elif item is None and raw_item is not None:
            errors.append(_error(_UNPARSEABLE, f"{pointer}/{index}"))
    return errors


def _duplicate_action_ids(raw: dict[str, Any], pointer: str) -> list[str]:
    """Slack: an action_id is unique among the interactive elements of its block."""
    placed: list[tuple[str, str]] = []
    for index, element in enumerate(raw.get("elements") or []):
        if isinstance(element, dict) and element.get("action_id"):
            placed.append((str(element["action_id"]), f"{pointer}/elements/{index}/action_id"))
    for key in ("accessory", "element"):
        element = raw.get(key)
        if isinstance(element, dict) and element.get("action_id"):
            placed.append((str(element["action_id"]), f"{pointer}/{key}/action_id"))
    seen: set[str] = set()
    errors = []
    for action_id, where in placed:
        if action_id in seen:
            errors.append(_error(f"duplicate action_id `{action_id}` in one block", where))
        seen.add(action_id)
    return errors


def _one_block_errors(raw: Any, pointer: str) -> list[str]:
    if not isinstance(raw, dict):
        return [_error("expected an object", pointer)]
    try:
        block = Block.parse(raw)
    except (TypeError, KeyError, ValueError, AttributeError):  # a required field missing, or of the wrong type
        return [_error(_UNPARSEABLE, pointer)]
    if block is None:  # no type, or one slack_sdk does not know
        return [_error(_UNPARSEABLE, pointer)]
    return _duplicate_action_ids(raw, pointer) + _object_errors(block, raw, pointer)


def block_errors(blocks: list[Any], pointer: str) -> list[str]:
    """Every problem Slack would refuse in a list of blocks (``pointer``: where the list is, e.g. ``/blocks``)."""
    errors = []
    for index, raw in enumerate(blocks):
        errors += _one_block_errors(raw, f"{pointer}/{index}")
    seen: set[str] = set()
    for index, raw in enumerate(blocks):
        block_id = str(raw.get("block_id") or "") if isinstance(raw, dict) else ""
        if block_id and block_id in seen:
            errors.append(_error(f"duplicate block_id `{block_id}`", f"{pointer}/{index}/block_id"))
        seen.add(block_id)
    return errors


def view_errors(view: dict[str, Any], pointer: str = "/view") -> list[str]:
    """Every problem Slack would refuse in a view: ``View(**view).validate_json()``, its title, submit and
    close text objects, a modal with inputs but no submit, and each of its blocks through ``block_errors``."""
    try:
        model = View(**view)
    except (TypeError, KeyError, ValueError, AttributeError):
        try:  # a block slack_sdk cannot build: block_errors below says which; check the rest of the view
            model = View(**{**view, "blocks": None})
        except (TypeError, KeyError, ValueError, AttributeError):
            return [_error(_UNPARSEABLE, pointer)]
    blocks = view.get("blocks")
    errors = _object_errors(model, view, pointer, skip=frozenset({"blocks", "state", "additional_attributes"}))
    if isinstance(blocks, list):
        errors += block_errors(blocks, f"{pointer}/blocks")
        has_input = any(isinstance(b, dict) and b.get("type") == "input" for b in blocks)
        if view.get("type") == "modal" and has_input and not view.get("submit"):
            errors.append(_error("missing required field: submit (a modal with inputs needs one)", f"{pointer}/submit"))
    return errors
