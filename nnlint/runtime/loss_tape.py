"""The script's loss as a function of the model's output, recorded once so a check can rebuild it.

`nnlint run` does not know the loss function: the script computes it in its own code between the model's
forward and `backward()`. While a `LossTape` is active it records every top-level torch op that consumes the
model's output (or a value derived from it); `replay(new_output)` runs the same ops on another output. Values
the ops did not derive from the output (the targets, a constant, a teacher's output) are reused as they were.
"""

from __future__ import annotations

from typing import Any

import torch
from torch.overrides import TorchFunctionMode
from torch.utils._pytree import tree_flatten, tree_map

from nnlint.runtime.batching import tensors_in


class LossTape(TorchFunctionMode):
    def __init__(self, output: Any):
        super().__init__()
        self.roots = tensors_in(output)
        self.tracked = {id(t) for t in self.roots}
        self.ops: list[tuple[Any, tuple, dict, Any]] = []
        self.keep: list[Any] = [output]  # holds every recorded value, so no id is reused while the tape lives
        self.active = False

    def start(self) -> None:
        self.__enter__()
        self.active = True

    def stop(self) -> None:
        if self.active:
            self.active = False
            self.__exit__(None, None, None)

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        out = func(*args, **kwargs)
        leaves, _ = tree_flatten((args, kwargs))
        if any(isinstance(leaf, torch.Tensor) and id(leaf) in self.tracked for leaf in leaves):
            self.ops.append((func, args, kwargs, out))
            self.keep.append((args, kwargs, out))
            for tensor in tensors_in(out) if isinstance(out, (torch.Tensor, tuple, list)) else []:
                self.tracked.add(id(tensor))
        return out

    def derives(self, value: Any) -> bool:
        """Was `value` (the tensor given to backward) computed from the model's output?"""
        return isinstance(value, torch.Tensor) and id(value) in self.tracked

    def constants(self) -> list[torch.Tensor]:
        """Tensors the recorded ops read that do not come from the output: the targets, among others."""
        seen, found = set(), []
        for _, args, kwargs, _ in self.ops:
            for leaf in tree_flatten((args, kwargs))[0]:
                if isinstance(leaf, torch.Tensor) and id(leaf) not in self.tracked and id(leaf) not in seen:
                    seen.add(id(leaf))
                    found.append(leaf)
        return found

    def replay(self, output: Any, loss: torch.Tensor) -> torch.Tensor:
        """The recorded ops on `output` (shaped as the recorded output); returns what became `loss`."""
        new = {id(old): fresh for old, fresh in zip(self.roots, tensors_in(output))}

        def swap(value):
            return new.get(id(value), value) if isinstance(value, torch.Tensor) else value

        for func, args, kwargs, out in self.ops:
            result = func(*tree_map(swap, args), **tree_map(swap, kwargs))
            if isinstance(out, torch.Tensor):
                new[id(out)] = result
            elif isinstance(out, (tuple, list)) and isinstance(result, (tuple, list)):
                for old, fresh in zip(tensors_in(out), tensors_in(result)):
                    new[id(old)] = fresh
        return new.get(id(loss), loss)
