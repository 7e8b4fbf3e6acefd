"""Build one module's summary from the facts the rules already use, not from a second analysis.

Calls to names imported from elsewhere are kept as references (`Value("call", detail="..utils.build")`,
`Effect("call", ...)`): a summary depends on its own module's text only, and the index follows the
references when a question is asked.
"""

from __future__ import annotations

import sys

import libcst as cst

from nnlint.facts.augmentations import random_augmentation
from nnlint.facts.branches import same_arm
from nnlint.facts.collector import Facts
from nnlint.facts.evaluation import MODEL_LIKE, runs_without_grad, sets_eval_mode
from nnlint.facts.fed_back import fed_back_pair
from nnlint.facts.imports import dotted
from nnlint.facts.losses import FUNCTIONAL_LOSSES, is_detached, is_loss, is_loss_module_constructor
from nnlint.facts.loops import BACKWARD, STEPS, training_loops
from nnlint.facts.modules import layer_class, layer_constructor, module_classes, nn_class
from nnlint.facts.normalization import normalize_statistics
from nnlint.facts.pretrained import PretrainedLoaders
from nnlint.facts.schedulers import epoch_based
from nnlint.facts.calls import number, string, unmoved
from nnlint.positions import StatementRanges, full_ranges, top_statement
from nnlint.project.summary import (
    ClassSummary, Effect, Evaluation, FunctionSummary, ModuleSummary, Return, Value, Where,
)

_LOSS_KINDS = {
    "CrossEntropyLoss": "cross_entropy", "NLLLoss": "nll", "BCELoss": "bce", "BCEWithLogitsLoss": "bce_logits",
    "cross_entropy": "cross_entropy", "nll_loss": "nll", "binary_cross_entropy": "bce",
    "binary_cross_entropy_with_logits": "bce_logits",
}
_SCALERS = ("GradScaler", "ShardedGradScaler")
_COMPOSE = frozenset({"Compose", "Sequential"})
_TRANSFORM_LIBRARIES = ("torchvision.transforms.", "albumentations.", "kornia.augmentation.")
_DEPTH = 6
# What a model's output may already have been through that a loss in another file must know about.
_SQUASHING = frozenset({"softmax", "log_softmax", "sigmoid"})
# For an element of a returned tuple (`output, hidden = model(x, h)`) raw scores matter too: NLL on logits.
_ELEMENT_KINDS = _SQUASHING | {"logits"}


class Summariser:
    """Summaries of one file's functions and classes, built on request and kept."""

    def __init__(self, facts: Facts) -> None:
        self.facts = facts
        self._functions: dict[cst.FunctionDef, FunctionSummary | None] = {}
        self._classes: dict[cst.ClassDef, ClassSummary] = {}
        self._positions = None  # the whole module's, only where a node's statement is not known
        self._statements = StatementRanges(facts.module)
        self._top_functions: dict[str, cst.FunctionDef] | None = None
        self._callable_classes: dict[str, cst.ClassDef] | None = None

    @classmethod
    def of(cls, facts: Facts) -> Summariser:
        """The summariser of the file `facts` describes (shared with its project view)."""
        from nnlint.facts.elsewhere import _view

        return _view(facts)._summariser

    # the whole module ------------------------------------------------------------------------------------
    def module_summary(self) -> ModuleSummary:
        functions, classes, constants = {}, {}, {}
        for name, function in self.top_functions().items():
            summary = self.function(function)
            if summary is not None and (summary.returns or summary.effects or summary.evaluation):
                functions[name] = summary
        for name, cls in self.callable_classes().items():
            summary = self.class_summary(cls)
            if summary != ClassSummary():
                classes[name] = summary
        for statement in self.facts.module.body:
            for small in statement.body if isinstance(statement, cst.SimpleStatementLine) else ():
                if isinstance(small, cst.Assign) and len(small.targets) == 1:
                    target = small.targets[0].target
                    value = self.value(small.value, small) if isinstance(target, cst.Name) else None
                    if value is not None and value.kind != "number":
                        constants[target.value] = value
        imports = self.facts.imports
        return ModuleSummary(
            functions, classes, constants, {**imports.aliases, **imports.relative}, tuple(imports.star),
        )

    def callable_classes(self) -> dict[str, cst.ClassDef]:
        """The module classes of this file, and the other top-level classes whose instances are called
        (`__call__`: an inferer that runs a model for its caller)."""
        if self._callable_classes is None:
            found = dict(module_classes(self.facts))
            for statement in self.facts.module.body:
                if isinstance(statement, cst.ClassDef) and statement.name.value not in found and any(
                    isinstance(m, cst.FunctionDef) and m.name.value == "__call__" for m in statement.body.body
                ):
                    found[statement.name.value] = statement
            self._callable_classes = found
        return self._callable_classes

    def top_functions(self) -> dict[str, cst.FunctionDef]:
        if self._top_functions is None:
            self._top_functions = {
                s.name.value: s for s in self.facts.module.body if isinstance(s, cst.FunctionDef)
            }
        return self._top_functions

    def where(self, node: cst.CSTNode, label: str) -> Where:
        start = self._range(node).start
        return Where(start.line, start.column + 1, label)

    def _range(self, node: cst.CSTNode):
        # positions for the statement that holds `node`, not the whole module: a summary names a few places
        statement = top_statement(self.facts, node) if self._positions is None else None
        if statement is not None:
            found = self._statements.range_of(node, statement)
            if found is not None:
                return found
        if self._positions is None:
            self._positions = full_ranges(self.facts.module)
        return self._positions[node]

    # functions ------------------------------------------------------------------------------------------
    def function(self, function: cst.FunctionDef) -> FunctionSummary | None:
        """What calling `function` returns and does; None while it is being built (recursion ends there)."""
        if function in self._functions:
            return self._functions[function]
        self._functions[function] = None
        loops = training_loops(self.facts)
        params = tuple(param.name.value for param in function.params.params)
        returns = []
        for value in loops.returned_values(function):
            if value is None:
                continue
            returns.append(Return(self.value(value, value), self._guard(value, function, params)))
        effects = [Effect(e.kind, self.where(e.node, _label(e.node))) for e in loops.scope_events(function)]
        effects += [
            Effect("call", self.where(call, reference))
            for call, reference in self._imported_calls(function)
        ]
        summary = FunctionSummary(params, tuple(returns), tuple(effects), self._evaluation(function, params))
        self._functions[function] = summary
        return summary

    def _imported_calls(self, function: cst.FunctionDef) -> list[tuple[cst.Call, str]]:
        found = []
        for call in training_loops(self.facts).calls_within(function):
            reference = self.reference(call.func)
            if reference is not None:
                found.append((call, reference))
        return found

    def reference(self, func: cst.BaseExpression) -> str | None:
        """The import a called name comes from (`utils.train_step`, `.net.Net`), if not torch or a builtin."""
        name = dotted(func)
        if name is None:
            return None
        head, _, rest = name.partition(".")
        imports = self.facts.imports
        base = imports.relative.get(head) or imports.aliases.get(head)
        if base is None or base.split(".")[0] in _NOT_PROJECT or base.split(".")[0] in sys.stdlib_module_names:
            return None
        return f"{base}.{rest}" if rest else base

    def _guard(self, value, function, params) -> tuple[str, str] | None:
        """`if name == "ce": return ...`: the parameter and literal the return is directly under."""
        node = self.facts.parent(value)  # the Return
        for ancestor in self.facts.ancestors(node):
            if ancestor is function:
                return None
            if isinstance(ancestor, cst.If):
                test = ancestor.test
                if (
                    isinstance(test, cst.Comparison) and len(test.comparisons) == 1
                    and isinstance(test.comparisons[0].operator, cst.Equal)
                    and isinstance(test.left, cst.Name) and test.left.value in params
                ):
                    literal = string(test.comparisons[0].comparator)
                    return (test.left.value, literal) if literal is not None else None
                return None
        return None

    def _evaluation(self, function: cst.FunctionDef, params: tuple[str, ...]) -> Evaluation | None:
        """A `for` over a parameter that calls a model and neither trains nor steps."""
        loops = training_loops(self.facts)
        for loop in loops.loops:
            if not isinstance(loop.node, cst.For) or self.facts.enclosing_function(loop.node) is not function:
                continue
            iterable = loop.iterable_name
            if iterable not in params or loop.has(BACKWARD, *STEPS):
                continue
            names = [dotted(call.func) or "" for call in loops.calls_within(loop.node.body)]
            if not any(MODEL_LIKE.search(name.removeprefix("self.")) for name in names):
                continue
            return Evaluation(
                iterable, params.index(iterable), sets_eval_mode(self.facts, loop.node),
                runs_without_grad(self.facts, loop.node), self.where(loop.node, f"for ... in {iterable}"),
            )
        return None

    # classes --------------------------------------------------------------------------------------------
    def class_summary(self, cls: cst.ClassDef) -> ClassSummary:
        if cls not in self._classes:
            self._classes[cls] = ClassSummary()  # a forward that builds its own class ends here
            self._classes[cls] = self._build_class(cls)
        return self._classes[cls]

    def _build_class(self, cls: cst.ClassDef) -> ClassSummary:
        from nnlint.facts.values import _forward_output  # values consults this package: import late

        output, output_where = "", None
        found = _forward_output(self.facts, cls, 0)
        if found is not None and found.kind in _SQUASHING:
            node = found.node
            if isinstance(node, cst.Call) and nn_class(self.facts, node) is None:  # `self.act(x)`: its layer
                node = layer_constructor(self.facts, node.func, node) or node
            output, output_where = found.kind, self.where(node, _layer_label(self.facts, node))
        outputs, outputs_where = self._element_outputs(cls)
        pretrained, pretrained_where = "", None
        loaders = PretrainedLoaders(self.facts)
        loops = training_loops(self.facts)
        for method in cls.body.body:
            if isinstance(method, cst.FunctionDef) and method.name.value == "__init__":
                for call in loops.calls_within(method):
                    before = len(loaders.imagenet)
                    loaders.see(call)
                    if len(loaders.imagenet) > before and pretrained_where is None:
                        pretrained_where = self.where(call, loaders.imagenet[-1])
        if loaders.other:
            pretrained, pretrained_where = "other", None
        elif loaders.imagenet:
            pretrained = "imagenet"
        return ClassSummary(
            output, output_where, outputs, outputs_where, self._fed_back(cls), pretrained, pretrained_where,
        )

    def _fed_back(self, cls: cst.ClassDef) -> tuple[int, ...]:
        """Calling an instance (`__call__`, else `forward`) returns a model's scores and the tokens it fed."""
        methods = {m.name.value: m for m in cls.body.body if isinstance(m, cst.FunctionDef)}
        method = methods.get("__call__") or methods.get("forward")
        pair = fed_back_pair(self.facts, method) if method is not None else None
        return pair or ()

    def _element_outputs(self, cls: cst.ClassDef) -> tuple[tuple[str, ...], tuple[Where | None, ...]]:
        """`return F.log_softmax(self.out(x), 1), hidden`: what each returned element ends in ("" unknown)."""
        from nnlint.facts.values import forward_elements_output

        kinds, wheres = [], []
        for found in forward_elements_output(self.facts, cls):
            if found is None or found.kind not in _ELEMENT_KINDS:
                kinds.append("")
                wheres.append(None)
            else:
                kinds.append(found.kind)
                wheres.append(self.where(found.node, _layer_label(self.facts, found.node)))
        if not any(kinds):
            return (), ()
        return tuple(kinds), tuple(wheres)

    # values ---------------------------------------------------------------------------------------------
    def value(self, expr: cst.BaseExpression, at: cst.CSTNode, depth: int = 0) -> Value | None:
        """What `expr` evaluates to, as far as a rule in another function or module may care."""
        if depth > _DEPTH:
            return None
        facts = self.facts
        if isinstance(expr, cst.Tuple):
            return Value("tuple", elements=tuple(self.value(e.value, at, depth + 1) for e in expr.elements))
        if is_detached(expr) or number(expr) is not None:
            return Value("number")
        if isinstance(expr, cst.BinaryOperation):  # `total = nll + 0.01 * penalty`: still on the graph
            sides = (self.value(expr.left, at, depth + 1), self.value(expr.right, at, depth + 1))
            return Value("loss_tensor") if any(v is not None and v.kind == "loss_tensor" for v in sides) else None
        if isinstance(expr, (cst.Name, cst.Attribute)):
            qualified = facts.qualified_name(expr)
            if qualified in FUNCTIONAL_LOSSES:
                return Value("criterion", _LOSS_KINDS.get(qualified.rsplit(".", 1)[-1], "other"))
            bound = self._bound(expr, at)
            if bound is not None:
                value = self.value(bound[0], bound[0], depth + 1)
                return _element(value, bound[1])
            if isinstance(expr, cst.Name) and is_loss(facts, expr, at):
                return Value("loss_tensor")
            return None
        if not isinstance(expr, cst.Call):
            return None
        return self._call_value(expr, at, depth)

    def _call_value(self, call: cst.Call, at: cst.CSTNode, depth: int) -> Value | None:
        facts = self.facts
        qualified = facts.call_name(call) or ""
        last = qualified.rsplit(".", 1)[-1]
        if is_loss_module_constructor(facts, call):
            return Value("criterion", _LOSS_KINDS.get(last, "other"))
        if qualified.startswith("torch.optim.lr_scheduler."):
            return Value("scheduler", last, epoch_based=epoch_based(facts, qualified, call) is not None,
                         where=self.where(call, f"{last}(...)"))
        if last in _SCALERS:
            return Value("scaler", last)
        if qualified.startswith("torch.optim."):
            return Value("optimizer", last)
        if qualified.startswith(_TRANSFORM_LIBRARIES) and last in _COMPOSE:
            return self._transform(call)
        loaders = PretrainedLoaders(facts)
        loaders.see(call)
        if loaders.imagenet or loaders.other:
            label = loaders.imagenet[0] if loaders.imagenet else ""
            where = self.where(call, label) if loaders.imagenet else None
            return Value("model", label, pretrained="imagenet" if loaders.imagenet else "other", loaded=where)
        built = unmoved(call)
        name = dotted(built.func)
        classes = self.callable_classes()
        if name in classes and qualified == "":
            summary = self.class_summary(classes[name])
            return Value("model", name, output=summary.output, pretrained=summary.pretrained,
                         where=summary.output_where, loaded=summary.pretrained_where,
                         outputs=summary.outputs, outputs_where=summary.outputs_where, fed_back=summary.fed_back)
        function = self.top_functions().get(name or "") if isinstance(built.func, cst.Name) else None
        if function is not None and qualified == "":
            summary = self.function(function)
            return choose_return(summary, call) if summary is not None else None
        if is_loss(facts, call, at):
            return Value("loss_tensor")
        reference = self.reference(built.func)
        if reference is not None:
            return Value("call", reference, elements=_literal_arguments(call))
        return None

    def _transform(self, call: cst.Call) -> Value:
        random, mean, std = False, (), ()
        for node in _calls_inside(call):
            random = random or random_augmentation(self.facts, node) is not None
            statistics = normalize_statistics(self.facts, node)
            if statistics is not None and not mean:
                mean, std = statistics
        return Value("transform", random=random, mean=mean, std=std, where=self.where(call, "transform"))

    def _bound(self, expr: cst.BaseExpression, at: cst.CSTNode) -> tuple[cst.BaseExpression, int | None] | None:
        """The right-hand side (and unpacking position) of the nearest assignment to a name above `at`."""
        name = dotted(expr)
        if name is None:
            return None
        bindings = self.facts.bindings(name, at)
        before = [b for b in bindings if self.facts.order(b.statement) < self.facts.order(at)]
        before = same_arm(self.facts, before, at)  # `if args.model == "rnn": model = ...` read under that test
        if before:
            nearest = max(before, key=lambda b: self.facts.order(b.statement))
        elif len(bindings) == 1:  # `self.x` set in __init__, read in a method above it
            nearest = bindings[0]
        else:
            return None
        return nearest.value, nearest.index


def choose_return(summary: FunctionSummary, call: cst.Call | None, literals: tuple = ()) -> Value | None:
    """The value a call returns: every `return` agrees, or the one under `if param == <the literal passed>`."""
    returns = list(summary.returns)
    if call is not None:
        literals = _literal_arguments(call)
    passed = dict(_bind_literals(summary.params, literals))
    guarded = [r for r in returns if r.guard is not None and passed.get(r.guard[0]) == r.guard[1]]
    if guarded:
        returns = guarded
    values = [r.value for r in returns]
    if not values or None in values or len({_shape(v) for v in values}) != 1:
        return None
    return values[0]


def _literal_arguments(call: cst.Call) -> tuple:
    """Literal string arguments as ("position", index, text) / ("keyword", name, text), for guarded returns."""
    found = []
    for index, arg in enumerate(call.args):
        text = string(arg.value)
        if text is None:
            continue
        if arg.keyword is not None:
            found.append(Value("literal", f"{arg.keyword.value}={text}"))
        elif not arg.star:
            found.append(Value("literal", f"{index}={text}"))
    return tuple(found)


def _bind_literals(params: tuple[str, ...], literals: tuple) -> list[tuple[str, str]]:
    bound = []
    for literal in literals:
        if literal is None or literal.kind != "literal":
            continue
        key, _, text = literal.detail.partition("=")
        if key.isdigit():
            if int(key) < len(params):
                bound.append((params[int(key)], text))
        else:
            bound.append((key, text))
    return bound


def _shape(value: Value) -> Value:
    """A value without where it was made, to compare what two `return`s give."""
    return Value(value.kind, value.detail, value.epoch_based, value.output, value.pretrained, value.random,
                 value.mean, value.std, tuple(_shape(e) if e else None for e in value.elements),
                 outputs=value.outputs)


def _element(value: Value | None, index: int | None) -> Value | None:
    if index is None or value is None:
        return value
    if value.kind == "tuple":
        return value.elements[index] if index < len(value.elements) else None
    if value.kind == "call":  # resolved by the index: remember which element is wanted
        return Value("call", value.detail, elements=value.elements, element=index)
    return None


def _calls_inside(node: cst.CSTNode):
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.Call):
            yield current
        stack.extend(current.children)


def _label(node: cst.CSTNode) -> str:
    if isinstance(node, cst.Call):
        return f"{dotted(node.func) or 'call'}(...)"
    return "statement"


def _layer_label(facts: Facts, node: cst.CSTNode) -> str:
    name = nn_class(facts, node) if isinstance(node, cst.Call) else None
    if name is None and isinstance(node, cst.Call):  # `self.act(x)` with `self.act = nn.Softmax(1)`
        name = layer_class(facts, node.func, node)
    if name is not None:
        return f"nn.{name}"
    return _label(node)


# Libraries a training project imports but never is (besides the standard library): not followed. A
# project's own relative imports are followed whatever its name.
_NOT_PROJECT = frozenset({
    "torch", "torchvision", "torchaudio", "numpy", "scipy", "sklearn", "pandas", "PIL", "cv2", "einops",
    "transformers", "lightning", "pytorch_lightning", "tqdm", "wandb", "matplotlib", "albumentations", "kornia",
})
