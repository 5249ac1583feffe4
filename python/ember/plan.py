"""Stage 5, plan: give every non-constant tensor an offset in planned memory buffer 1.

Lifetimes are instruction intervals: inputs live from before the first instruction, outputs
until after the last, every other tensor from the instruction that writes it to its last
reader. Tensors whose lifetimes overlap never share bytes. Placement is greedy: largest tensor
first, each at the lowest aligned offset that is free for its whole lifetime. The buffer's size
is the peak; the sum of all aligned sizes (the "naive" plan) is reported beside it.

A view that shares its owner's bytes (method.aliases, set by passes.alias_views) has no slot
of its own: its uses count as uses of the owner, so the owner's slot stays untouched for as
long as the view is read, and the view is given the owner's offset. The view of a method input
stays unplanned: an `et_view` instruction points it at the input's bytes when it runs; so
does a dynamic view (its sizes too), whatever its owner.

An activation right after the convolution, linear or addmm whose result it reads last (relu,
hardtanh, clamp) writes its result in place, over that input's bytes: the two share one slot,
live from the producer to the result's last reader. The C runtime may fuse the pair at load (the
producer then writes the activation's result itself, through a clamp: docs/runtime.md, "Fused
activations"); it only does when that result shares no byte with what the producer reads, which
this guarantees, and the plan needs one tensor less at the activation.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import ir

MEMORY_ID = 1

# The pairs the C runtime may fuse (runtime/exec/method.c, fuse_activations).
FUSABLE_PRODUCERS = {"aten::convolution.out", "aten::linear.out", "aten::addmm.out"}
FUSABLE_ACTIVATIONS = {"aten::relu.out", "aten::hardtanh.out", "aten::clamp.out"}


def _fusable(method: ir.Method, at: int) -> bool:
    """True if instruction `at` is an activation reading the result of the one before it."""
    if at == 0:
        return False
    call, prev = method.instructions[at], method.instructions[at - 1]
    return (isinstance(call, ir.KernelCall) and isinstance(prev, ir.KernelCall)
            and call.full_name in FUSABLE_ACTIVATIONS and prev.full_name in FUSABLE_PRODUCERS
            and bool(call.args) and bool(prev.args) and call.args[0] == prev.args[-1])


@dataclass(frozen=True)
class Lifetime:
    """A tensor's `size` bytes (before alignment), live from instruction `first` to `last`
    inclusive. Inputs start at -1; outputs end at the instruction count."""

    size: int
    first: int
    last: int

    def overlaps(self, other: "Lifetime") -> bool:
        return self.first <= other.last and other.first <= self.last


def place(lifetimes: list[Lifetime], alignment: int = ir.TENSOR_ALIGNMENT) -> tuple[list[int], int]:
    """Offsets for `lifetimes` (same order) and the peak size of the buffer holding them."""
    order = sorted(
        range(len(lifetimes)), key=lambda i: (-lifetimes[i].size, lifetimes[i].first, i)
    )
    offsets = [0] * len(lifetimes)
    placed: list[int] = []
    peak = 0
    for i in order:
        need = ir.align_up(lifetimes[i].size, alignment)
        busy = sorted(
            (offsets[j], offsets[j] + ir.align_up(lifetimes[j].size, alignment))
            for j in placed
            if lifetimes[j].overlaps(lifetimes[i])
        )
        offset = 0
        for start, end in busy:
            if start >= offset + need:
                break  # the gap below `start` fits
            offset = max(offset, ir.align_up(end, alignment))
        offsets[i] = offset
        placed.append(i)
        peak = max(peak, offset + need)
    return offsets, peak


def in_place_activations(method: ir.Method, spans: dict[int, list[int]]) -> dict[int, int]:
    """{input: result} of the activations that may run in place (`_fusable`, the input's last
    reader, the same number of bytes, the input no method input, output or view's owner),
    given every tensor's [first, last]."""
    inputs, outputs = set(method.inputs), set(method.outputs)
    aliased = set(method.aliases) | set(method.aliases.values())
    pairs = {}
    for at, call in enumerate(method.instructions):
        if not _fusable(method, at):
            continue
        src, dst = call.args[0], call.args[-1]
        s, d = method.values[src], method.values[dst]
        if (src != dst and src in spans and dst in spans and spans[src][1] == at
                and spans[dst][0] == at and isinstance(s, ir.TensorValue)
                and isinstance(d, ir.TensorValue) and s.nbytes == d.nbytes
                and src not in inputs | outputs | aliased and dst not in inputs
                and dst not in method.aliases and dst not in pairs.values()):
            pairs[src] = dst
    return pairs


def tensor_lifetimes(method: ir.Method) -> dict[int, Lifetime]:
    """The lifetime of every non-constant tensor that the method's inputs, outputs or
    instructions refer to, keyed by value index; an in-place activation's result has none of
    its own (its input's lifetime covers it)."""
    spans = _spans(method)
    for src, dst in in_place_activations(method, spans).items():
        spans[src][1] = max(spans[src][1], spans.pop(dst)[1])
    result = {}
    for index, (first, last) in spans.items():
        value = method.values[index]
        assert isinstance(value, ir.TensorValue)
        result[index] = Lifetime(size=value.nbytes, first=first, last=last)
    return result


def _spans(method: ir.Method) -> dict[int, list[int]]:
    """[first, last] instruction of every non-constant tensor, a view's uses counted as its
    owner's."""
    count = len(method.instructions)
    spans: dict[int, list[int]] = {}

    def touch(index: int, at: int) -> None:
        index = method.aliases.get(index, index)  # a view's use is a use of its owner
        value = method.values[index]
        if isinstance(value, (ir.TensorListValue, ir.OptionalTensorListValue)):
            for member in value.items:
                touch(member, at)
            return
        if not isinstance(value, ir.TensorValue) or value.is_constant:
            return
        span = spans.setdefault(index, [at, at])
        span[0] = min(span[0], at)
        span[1] = max(span[1], at)

    for index in method.inputs:
        touch(index, -1)
    for index, value in enumerate(method.values):  # state keeps its bytes from run to run
        if isinstance(value, ir.TensorValue) and value.state:
            touch(index, -1)
            touch(index, count)
    for at, call in enumerate(method.instructions):
        for index in call.args:
            touch(index, at)
    for index in method.outputs:
        touch(index, count)
    return spans


def plan(method: ir.Method, alignment: int = ir.TENSOR_ALIGNMENT) -> None:
    """Sets mem_id/mem_offset on the method's non-constant tensors, its buffer sizes and its
    naive (no reuse) total."""
    lifetimes = tensor_lifetimes(method)
    indices = list(lifetimes)
    offsets, peak = place([lifetimes[i] for i in indices], alignment)
    for index, offset in zip(indices, offsets):
        value = method.values[index]
        assert isinstance(value, ir.TensorValue)
        value.mem_id = MEMORY_ID
        value.mem_offset = offset
    for src, dst in in_place_activations(method, _spans(method)).items():
        value, base = method.values[dst], method.values[src]
        assert isinstance(value, ir.TensorValue) and isinstance(base, ir.TensorValue)
        value.mem_id, value.mem_offset = base.mem_id, base.mem_offset
    inputs = set(method.inputs)
    for view, owner in method.aliases.items():
        value, base = method.values[view], method.values[owner]
        assert isinstance(value, ir.TensorValue) and isinstance(base, ir.TensorValue)
        if owner in inputs or value.dynamic:  # bound by et_view at run time
            value.mem_id, value.mem_offset = 0, None
        else:
            value.mem_id, value.mem_offset = base.mem_id, base.mem_offset
    method.non_const_buffer_sizes = [0, peak]
    method.naive_planned_bytes = sum(ir.align_up(lt.size, alignment) for lt in lifetimes.values())
