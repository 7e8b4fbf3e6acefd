"""Rule selectors: codes (`NN101`), prefixes (`NN1`, `NN`) and `ALL`."""

from __future__ import annotations

from collections.abc import Iterable


class UnknownSelector(ValueError):
    def __init__(self, selector: str) -> None:
        super().__init__(f"unknown rule code or prefix `{selector}`")
        self.selector = selector


def expand(selectors: Iterable[str], known: Iterable[str]) -> set[str]:
    """The codes that the selectors name; a selector that names no known code is an error."""
    known = sorted(known)
    codes: set[str] = set()
    for selector in selectors:
        selector = selector.strip().upper()
        matched = known if selector == "ALL" else [code for code in known if code.startswith(selector)]
        if not selector or not matched:
            raise UnknownSelector(selector)
        codes.update(matched)
    return codes


def validate(selectors: Iterable[str], known: Iterable[str]) -> None:
    expand(selectors, known)
