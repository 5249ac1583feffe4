"""The fold stage (after capture, quantize and partition; before lower): compute at export what
does not depend on the inputs, and store it once.

Every subgraph whose inputs are all constants (parameters, buffers, lifted constants, and ops
with no tensor inputs at all, such as `arange` or `full` at a static shape) is evaluated with
torch now, and the values it hands to the rest of the graph become constant tensors: a
weight-norm weight (g * v / ||v||), a causal mask, RoPE cos/sin tables, sine position
embeddings, relative-position indices. They would otherwise be recomputed on every execute.

The size rule. Folding trades planned memory and time for file bytes, so it may not grow the
file beyond what the user expects:

- a fold that stores no more bytes than it frees (its constant inputs become dead: used by
  nothing else, not even by a tied op elsewhere) is always done;
- one that grows the file is done while the program's growth budget lasts: `fold_max_bytes`
  (default: 10% of the model's constant bytes, at least 64 KiB);
- a subgraph whose full fold does not fit is cut back: its biggest stored value is left to run
  at execute time and its inputs are stored instead, until the rest fits (a relative-position
  bias keeps its small index table folded and gathers from it on every run); what is left to
  run is reported as skipped, with its size.

Bytes identical to a constant already stored (a mask every layer builds the same way) cost
nothing: the constant table stores them once. Random ops (`Tag.nondeterministic_seeded`), ops
that mutate, trace-time checks and ops that torch cannot evaluate are never folded, and a value
of a dtype the file cannot hold (complex) is never stored.

It runs after lower's nn.Linear rewrite, so that a weight transpose feeding nn.Linear stays a
read of the stored weight instead of becoming a second, transposed copy of it.
"""

from __future__ import annotations

import hashlib
import operator
from collections import Counter
from dataclasses import dataclass
from typing import Any, Optional

import torch
from torch.export.graph_signature import InputKind, OutputKind

from . import ir
from .lower import NO_OP_PACKETS, matmuls_to_linear, source_of, tensor_bytes

# The budget when fold_max_bytes is not given: this share of the constants, at least the floor.
DEFAULT_BUDGET_SHARE = 0.10
DEFAULT_BUDGET_FLOOR = 64 * 1024


@dataclass
class Budget:
    """File growth (bytes) that folds may still spend; shared by a program's methods."""

    left: int


def default_budget(exported: list[torch.export.ExportedProgram]) -> int:
    """10% of the bytes of every constant the programs read, at least 64 KiB."""
    seen: set[int] = set()
    total = 0
    for ep in exported:
        for t in list(ep.state_dict.values()) + list(ep.constants.values()):
            if isinstance(t, torch.Tensor) and id(t) not in seen:
                seen.add(id(t))
                total += t.nbytes
    return max(DEFAULT_BUDGET_FLOOR, int(total * DEFAULT_BUDGET_SHARE))


def _sources(exported: torch.export.ExportedProgram) -> dict[torch.fx.Node, torch.Tensor]:
    """The constant inputs of the graph: parameters, buffers, lifted constants, attributes."""
    signature = exported.graph_signature
    kinds = {spec.arg.name: spec for spec in signature.input_specs}
    mutated = {
        spec.target for spec in signature.output_specs if spec.kind != OutputKind.USER_OUTPUT
    }
    found: dict[torch.fx.Node, torch.Tensor] = {}
    for node in exported.graph.nodes:
        if node.op == "placeholder":
            spec = kinds.get(node.name)
            if spec is None or spec.kind not in (
                InputKind.PARAMETER, InputKind.BUFFER, InputKind.CONSTANT_TENSOR
            ) or spec.target in mutated:  # a buffer the model writes is no constant
                continue
            t = exported.state_dict.get(spec.target)
            if t is None:
                t = exported.constants.get(spec.target)
            if isinstance(t, torch.Tensor):
                found[node] = t
        elif node.op == "get_attr":
            t = getattr(exported.graph_module, str(node.target), None)
            if isinstance(t, torch.Tensor):
                found[node] = t
    return found


def _foldable_op(node: torch.fx.Node) -> bool:
    op = node.target
    if not isinstance(op, torch._ops.OpOverload):
        return False
    if op._schema.name.split("::")[-1] in NO_OP_PACKETS or op._schema.is_mutable:
        return False
    if torch.Tag.nondeterministic_seeded in op.tags:
        return False
    val = node.meta.get("val")
    results = val if isinstance(val, (list, tuple)) else (val,)
    return bool(results) and all(
        isinstance(t, torch.Tensor) and all(isinstance(s, int) for s in t.shape) for t in results
    )


def _matches(value: Any, val: Any) -> bool:
    """Whether torch's result has the dtype and shape the graph recorded."""
    if isinstance(val, (list, tuple)):
        return isinstance(value, (list, tuple)) and len(value) == len(val) and all(
            _matches(v, w) for v, w in zip(value, val)
        )
    return isinstance(value, torch.Tensor) and value.dtype == val.dtype and \
        tuple(value.shape) == tuple(val.shape)


def _evaluate(
    graph: torch.fx.Graph, sources: dict[torch.fx.Node, torch.Tensor]
) -> dict[torch.fx.Node, Any]:
    """The value of every computable constant node (sources excluded), in graph order."""
    values: dict[torch.fx.Node, Any] = {}

    def known(n: torch.fx.Node) -> bool:
        return n in sources or n in values

    for node in graph.nodes:
        if node.op != "call_function":
            continue
        if node.target is operator.getitem:
            producer = node.args[0]
            if isinstance(producer, torch.fx.Node) and producer in values:
                values[node] = values[producer][node.args[1]]
            continue
        if not _foldable_op(node) or not all(known(n) for n in node.all_input_nodes):
            continue
        args, kwargs = torch.fx.node.map_arg(
            (node.args, node.kwargs), lambda n: sources[n] if n in sources else values[n]
        )
        try:
            with torch.no_grad():
                result = node.target(*args, **kwargs)
        except Exception:  # torch cannot run it on real tensors: it stays in the graph
            continue
        if _matches(result, node.meta.get("val")):
            values[node] = result
    return values


def _components(values: dict[torch.fx.Node, Any]) -> list[list[torch.fx.Node]]:
    """The computed constant nodes grouped into connected subgraphs, each in graph order."""
    parent = {n: n for n in values}

    def find(n: torch.fx.Node) -> torch.fx.Node:
        while parent[n] is not n:
            parent[n] = parent[parent[n]]
            n = parent[n]
        return n

    for n in values:
        for m in n.all_input_nodes:
            if m in values:
                parent[find(m)] = find(n)
    groups: dict[torch.fx.Node, list[torch.fx.Node]] = {}
    for n in values:  # dicts keep graph order
        groups.setdefault(find(n), []).append(n)
    return list(groups.values())


def _real_users(node: torch.fx.Node) -> list[torch.fx.Node]:
    """Users that need the value: trace-time checks are dropped with what they check."""
    return [
        u for u in node.users
        if not (isinstance(u.target, torch._ops.OpOverload)
                and u.target._schema.name.split("::")[-1] in NO_OP_PACKETS)
    ]


def _op_name(node: torch.fx.Node) -> str:
    if node.target is operator.getitem:
        return "getitem"
    return str(node.target).removeprefix("aten.")


def _describe_ops(nodes: list[torch.fx.Node]) -> list[str]:
    counts = Counter(_op_name(n) for n in nodes if n.target is not operator.getitem)
    return [f"{op} x{k}" if k > 1 else op for op, k in counts.items()]


def _human(n: int) -> str:
    if n < 10 * 1024:
        return f"{n} B"
    if n < 10 * 1024 * 1024:
        return f"{n / 1024:.1f} KiB"
    return f"{n / (1024 * 1024):.1f} MiB"


class _Folder:
    def __init__(
        self, exported: torch.export.ExportedProgram, constants: ir.ConstantTable, budget: Budget
    ) -> None:
        self.exported = exported
        self.graph = exported.graph
        self.constants = constants
        self.budget = budget
        self.sources = _sources(exported)
        self.values: dict[torch.fx.Node, Any] = {}
        self.folded: set[torch.fx.Node] = set()  # computed nodes whose value is known from now
        self.freed: set[torch.fx.Node] = set()  # sources no longer needed
        self.stored_hashes: set[str] = set()  # what folds have stored so far
        self._hashes: dict[torch.fx.Node, str] = {}
        self.folds: list[ir.Fold] = []
        self.skipped: list[ir.SkippedFold] = []

    def _hash(self, node: torch.fx.Node) -> str:
        h = self._hashes.get(node)
        if h is None:
            t = self.sources[node] if node in self.sources else self.values[node]
            h = hashlib.sha256(tensor_bytes(t)).hexdigest()
            self._hashes[node] = h
        return h

    def _nbytes(self, node: torch.fx.Node) -> int:
        return int(self.values[node].nbytes)

    def run(self) -> tuple[list[ir.Fold], list[ir.SkippedFold]]:
        matmuls_to_linear(self.graph)
        self.values = _evaluate(self.graph, self.sources)
        for component in _components(self.values):
            self._fold(component)
        self.values = {}
        return self.folds, self.skipped

    # -- one connected constant subgraph -----------------------------------------------

    def _stored(
        self, component: list[torch.fx.Node], runtime: set[torch.fx.Node]
    ) -> list[torch.fx.Node]:
        """The folded nodes whose values something left in the graph reads."""
        inside = set(component) - runtime
        return [
            n for n in component
            if n in inside and not isinstance(self.values[n], (list, tuple))
            and any(u not in inside for u in _real_users(n))
        ]

    def _dead_sources(
        self, component: list[torch.fx.Node], runtime: set[torch.fx.Node]
    ) -> list[torch.fx.Node]:
        """Sources that nothing needs once this component (less `runtime`) is folded."""
        done = self.folded | (set(component) - runtime)
        found = []
        for n in component:
            for s in n.all_input_nodes:
                if s in self.sources and s not in self.freed and s not in found \
                        and all(u in done for u in _real_users(s)):
                    found.append(s)
        return found

    def _cost(
        self, component: list[torch.fx.Node], runtime: set[torch.fx.Node]
    ) -> tuple[int, int, list[torch.fx.Node], list[torch.fx.Node]]:
        """(bytes newly stored, bytes freed, stored nodes, dead sources)."""
        stored = self._stored(component, runtime)
        dead = self._dead_sources(component, runtime)
        live_sizes = {
            int(t.nbytes) for s, t in self.sources.items() if s not in self.freed and s not in dead
        }
        seen = set(self.stored_hashes)
        new_bytes = 0
        for n in stored:
            size = self._nbytes(n)
            h = self._hash(n)
            if h in seen or self.constants.has_hash(h):
                continue
            if size in live_sizes and any(
                self._hash(s) == h for s, t in self.sources.items()
                if s not in self.freed and s not in dead and int(t.nbytes) == size
            ):
                continue
            seen.add(h)
            new_bytes += size
        freed = sum(int(self.sources[s].nbytes) for s in dead)
        return new_bytes, freed, stored, dead

    def _fold(self, component: list[torch.fx.Node]) -> None:
        runtime: set[torch.fx.Node] = set()
        first_growth: Optional[int] = None
        first_stored: list[torch.fx.Node] = []
        over_budget = False
        while True:
            new_bytes, freed, stored, dead = self._cost(component, runtime)
            unstorable = [n for n in stored if self.values[n].dtype not in ir.SCALAR_TYPE_CODES]
            if unstorable:  # a complex RoPE table: what reads it cannot run anyway
                self._to_runtime(unstorable[0], component, runtime)
                continue
            growth = new_bytes - freed
            if first_growth is None:
                first_growth, first_stored = growth, stored
            if growth <= 0 or growth <= self.budget.left or not stored:
                break
            # Leave the biggest stored value to execute time; its inputs are stored instead.
            biggest = max(stored, key=lambda n: (self._nbytes(n), component.index(n)))
            self._to_runtime(biggest, component, runtime)
            over_budget = True

        if over_budget:
            outputs = [n for n in first_stored if n in runtime]
            self.skipped.append(ir.SkippedFold(
                outputs=[n.name for n in outputs],
                ops=_describe_ops([n for n in component if n in runtime]),
                source=source_of(outputs[0]) if outputs else "",
                bytes=sum(self._nbytes(n) for n in outputs),
                reason=(
                    f"folding all of it would grow the file by {_human(max(first_growth, 0))}, "
                    f"more than the {_human(self.budget.left)} of fold budget left "
                    "(fold_max_bytes); it runs at execute time"
                ),
            ))
        if not stored:
            if not runtime:  # computed and never read: nothing to run either
                self._replace(component, runtime, stored)
            return
        if growth > 0:
            self.budget.left -= growth
        self._replace(component, runtime, stored)
        self.folded |= set(component) - runtime
        self.freed |= set(dead)
        for n in stored:
            self.stored_hashes.add(self._hash(n))
        self.folds.append(ir.Fold(
            outputs=[n.name for n in stored],
            ops=_describe_ops([n for n in component if n not in runtime]),
            source=source_of(stored[0]),
            stored_bytes=new_bytes,
            freed_bytes=freed,
        ))

    def _to_runtime(
        self, node: torch.fx.Node, component: list[torch.fx.Node], runtime: set[torch.fx.Node]
    ) -> None:
        """Moves `node` to execute time; a multi-output op moves with all its getitems."""
        if node.target is operator.getitem:
            node = node.args[0]
        runtime.add(node)
        if isinstance(self.values[node], (list, tuple)):
            runtime.update(u for u in node.users if u in self.values)

    def _replace(
        self, component: list[torch.fx.Node], runtime: set[torch.fx.Node],
        stored: list[torch.fx.Node]
    ) -> None:
        """Each stored node becomes an attribute read; what only fed it is erased."""
        gm = self.exported.graph_module
        for n in stored:
            target = f"folded_{n.name}"
            value = self.values[n].detach().contiguous().clone()
            gm.register_buffer(target, value, persistent=False)
            with self.graph.inserting_before(n):
                attr = self.graph.get_attr(target)
            attr.meta = dict(n.meta)
            n.replace_all_uses_with(attr)
        for n in reversed(component):
            if n in runtime:
                continue
            for u in list(n.users):
                if not u.users and u not in _real_users(n):  # a trace-time check of a dead value
                    self.graph.erase_node(u)
            if not n.users:
                self.graph.erase_node(n)


def fold(
    exported: torch.export.ExportedProgram, constants: ir.ConstantTable, budget: Budget
) -> tuple[list[ir.Fold], list[ir.SkippedFold]]:
    """Folds the constant subgraphs of `exported` in place (see the module docstring); returns
    what was folded and what was left to execute time, for the report."""
    return _Folder(exported, constants, budget).run()
