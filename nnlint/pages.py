"""The rule catalogue pages (`rules/NNxxx.md`): shipped inside the wheel, read from the checkout otherwise."""

from __future__ import annotations

from pathlib import Path

_PACKAGED = Path(__file__).parent / "_pages"
_CHECKOUT = Path(__file__).parent.parent / "rules"


def pages_dir() -> Path:
    return _PACKAGED if _PACKAGED.is_dir() else _CHECKOUT


def page_text(code: str) -> str | None:
    page = pages_dir() / f"{code.upper()}.md"
    try:
        return page.read_text(encoding="utf-8")
    except OSError:
        return None
