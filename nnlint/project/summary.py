"""What other code may ask about one module, small and serialisable: the summary the project index keeps.

A summary is a pure function of the module's text, so it is cached by content hash and can be shipped to
worker processes. Positions are (line, column) in the summarised module; the index adds its path.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, fields

SCHEMA = 2  # bump when the meaning of a field changes: old cached summaries are then rebuilt


@dataclass(frozen=True)
class Where:
    """A place in the summarised module, and what is there (`nn.Softmax`, `clip_grad_norm_(...)`)."""

    line: int
    column: int
    label: str
    path: str = ""  # empty in a summary (this module); set by the index when it answers for another one


@dataclass(frozen=True)
class Value:
    """What an expression evaluates to, as far as rules care.

    kind: criterion (a loss module or function; `detail` is cross_entropy / nll / bce / bce_logits / other),
    loss_tensor (a loss that still carries its graph), number (a plain number), scheduler (`detail` is the
    class; `epoch_based`), optimizer, scaler, model (`detail` is the class; `output` what its forward ends
    in; `outputs` what each element of the tuple it returns ends in, `outputs_where` where; `pretrained`
    imagenet / other), transform (`random`, `mean`, `std`), tuple (`elements`), and
    call: what calling the imported `detail` returns (its literal string arguments in `elements`, the
    tuple `element` taken from it), left for the index to follow.
    """

    kind: str
    detail: str = ""
    epoch_based: bool = False
    output: str = ""
    pretrained: str = ""
    random: bool = False
    mean: tuple[float, ...] = ()
    std: tuple[float, ...] = ()
    elements: tuple[Value | None, ...] = ()
    element: int = -1
    where: Where | None = None
    loaded: Where | None = None  # for a model: where its pretrained weights are loaded
    outputs: tuple[str, ...] = ()
    outputs_where: tuple[Where | None, ...] = ()
    fed_back: tuple[int, ...] = ()  # for a callable: (scores, tokens it fed the model) positions it returns


@dataclass(frozen=True)
class Effect:
    """Something calling a function does: backward, zero_grad, optimizer_step, clip, eval_mode, ... ."""

    kind: str
    where: Where


@dataclass(frozen=True)
class Evaluation:
    """The function runs a model over the loader passed as parameter `loader` (position `position`)."""

    loader: str
    position: int
    sets_eval_mode: bool
    no_grad: bool
    where: Where


@dataclass(frozen=True)
class Return:
    """One `return`: its value, and the `if param == "literal":` it sits directly under, if any."""

    value: Value | None
    guard: tuple[str, str] | None = None


@dataclass(frozen=True)
class FunctionSummary:
    params: tuple[str, ...] = ()
    returns: tuple[Return, ...] = ()
    effects: tuple[Effect, ...] = ()
    evaluation: Evaluation | None = None


@dataclass(frozen=True)
class ClassSummary:
    """An nn.Module class (or any class with `__call__`): what its forward's output is (`output`; `outputs`,
    element by element, when it returns a tuple: `return F.log_softmax(x, 1), hidden`), whether calling it
    hands back the tokens it fed a model next to its scores (`fed_back`), and whether it loads pretrained
    weights."""

    output: str = ""
    output_where: Where | None = None
    outputs: tuple[str, ...] = ()
    outputs_where: tuple[Where | None, ...] = ()
    fed_back: tuple[int, ...] = ()  # calling an instance returns (scores, the tokens it fed): their positions
    pretrained: str = ""
    pretrained_where: Where | None = None


@dataclass(frozen=True)
class ModuleSummary:
    functions: dict[str, FunctionSummary] = field(default_factory=dict)
    classes: dict[str, ClassSummary] = field(default_factory=dict)
    constants: dict[str, Value] = field(default_factory=dict)
    # local name -> what it was imported as: "torch.nn" or, relative, ".net.SmallNet" / "..utils"
    imports: dict[str, str] = field(default_factory=dict)
    star_imports: tuple[str, ...] = ()  # `from .layers import *`: names may come from these modules

    def to_json(self) -> str:
        return json.dumps({"schema": SCHEMA, **asdict(self)}, sort_keys=True, separators=(",", ":"))

    @property
    def digest(self) -> str:
        """Changes exactly when what other modules may learn from this one changes."""
        return hashlib.blake2b(self.to_json().encode(), digest_size=12).hexdigest()

    @classmethod
    def from_json(cls, text: str) -> ModuleSummary:
        data = json.loads(text)
        if data.pop("schema", None) != SCHEMA:
            raise ValueError("summary written by another version")
        return cls(
            functions={k: _function(v) for k, v in data["functions"].items()},
            classes={k: _build(ClassSummary, v) for k, v in data["classes"].items()},
            constants={k: _value(v) for k, v in data["constants"].items()},
            imports=dict(data["imports"]),
            star_imports=tuple(data["star_imports"]),
        )


def _where(data: dict | None) -> Where | None:
    return Where(**data) if data is not None else None


def _value(data: dict | None) -> Value | None:
    if data is None:
        return None
    return Value(**{
        **data,
        "mean": tuple(data["mean"]),
        "std": tuple(data["std"]),
        "elements": tuple(_value(e) for e in data["elements"]),
        "where": _where(data["where"]),
        "loaded": _where(data["loaded"]),
        "outputs": tuple(data["outputs"]),
        "outputs_where": tuple(_where(w) for w in data["outputs_where"]),
        "fed_back": tuple(data["fed_back"]),
    })


def _function(data: dict) -> FunctionSummary:
    evaluation = data["evaluation"]
    return FunctionSummary(
        params=tuple(data["params"]),
        returns=tuple(
            Return(_value(r["value"]), tuple(r["guard"]) if r["guard"] else None) for r in data["returns"]
        ),
        effects=tuple(Effect(e["kind"], Where(**e["where"])) for e in data["effects"]),
        evaluation=Evaluation(**{**evaluation, "where": Where(**evaluation["where"])}) if evaluation else None,
    )


def _build(kind, data: dict):
    names = {f.name for f in fields(kind)}
    return kind(**{k: _field(k, v) for k, v in data.items() if k in names})


def _field(name: str, data):
    if name.endswith("where"):
        return tuple(_where(w) for w in data) if name.startswith("outputs") else _where(data)
    return tuple(data) if isinstance(data, list) else data
