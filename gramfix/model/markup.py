"""HTML built in Python with every value escaped by its type: a small autoescape.

`Html` marks markup that is already safe. `tag` and `join` escape everything else they
are given (`html.escape`, quotes included), so user data -- item IDs, metadata lines,
file names -- can only ever become text, never an element or an attribute. A plain
``str`` that holds markup (an f-string of `Html`, say) is escaped too: a mistake shows
as visible tags, never as live ones.
"""

from __future__ import annotations

import html
from collections.abc import Iterable

#: HTML elements without content or end tag.
_VOID = frozenset({"br", "hr", "img", "link", "meta"})

Attribute = str | int | float | bool | None


class Html(str):
    """Markup known to be safe: made by `tag`, `join`, `escape` or `trusted` only."""

    __slots__ = ()


def escape(value: object) -> Html:
    """``value`` as text: ``<``, ``>``, ``&`` and both quotes escaped."""
    return Html(html.escape(str(value), quote=True))


def trusted(markup: str) -> Html:
    """A constant of this package's own (a style sheet, an entity): never user data."""
    return Html(markup)


def content(value: Html | str | int | float | None) -> Html:
    """A child of an element: markup as it is, anything else escaped, None nothing."""
    if value is None:
        return Html("")
    if isinstance(value, Html):
        return value
    return escape(value)


def join(parts: Iterable[Html | str | int | float | None], separator: str = "") -> Html:
    """The parts one after the other (text escaped)."""
    return Html(escape(separator).join(content(p) for p in parts))


def tag(
    element: str, /, *children: Html | str | int | float | None, **attributes: Attribute
) -> Html:
    """``<element attributes>children</element>``.

    A keyword is an attribute: a trailing ``_`` is dropped (``class_``), other ``_`` are
    ``-`` (``aria_label``); True gives the bare attribute, None and False leave it out.
    """
    shown = []
    for key, value in attributes.items():
        if value is None or value is False:
            continue
        attribute = key.rstrip("_").replace("_", "-")
        shown.append(attribute if value is True else f'{attribute}="{escape(value)}"')
    opening = "<" + " ".join([element, *shown]) + ">"
    if element in _VOID:
        return Html(opening)
    return Html(opening + join(children) + f"</{element}>")
