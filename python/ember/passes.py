"""Graph rewrites that change no result, only what the file costs to run.

- `fold_batch_norms` (on the captured graph, before fold and lower): an inference batch norm
  right after a convolution (also a transposed one) or an nn.Linear is merged into that op's
  weight and bias, which become new constants; the batch norm and its four tensors leave the
  file.
- `pick_before_linear` (on the captured graph): `select` / `slice` of a linear's result along a
  leading dim (a language model's last-token logits) becomes the linear of the picked rows.
- `alias_views` (on the lowered method, before plan): an op whose result is its input's bytes
  unchanged (view_copy, squeeze/unsqueeze, clone, ...) stops copying: its result shares the
  memory of the tensor it views, as ExecuTorch's own exporter does for its planned views.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from typing import Any, Optional

import torch
from torch.export.graph_signature import InputKind, OutputKind

from . import ir
from .lower import matmuls_to_linear

# ------------------------------------------------------------------------ batch norm folding

_BATCH_NORM = torch.ops.aten._native_batch_norm_legit_no_training.default
_CONVOLUTION = torch.ops.aten.convolution.default
_LINEAR = torch.ops.aten.linear.default


def _constants(exported: torch.export.ExportedProgram) -> dict[torch.fx.Node, torch.Tensor]:
    """Placeholders and attributes holding tensors the model never writes."""
    signature = exported.graph_signature
    mutated = {s.target for s in signature.output_specs if s.kind != OutputKind.USER_OUTPUT}
    specs = {s.arg.name: s for s in signature.input_specs}
    found: dict[torch.fx.Node, torch.Tensor] = {}
    for node in exported.graph.nodes:
        t: Any = None
        if node.op == "placeholder":
            spec = specs.get(node.name)
            if spec is None or spec.kind not in (
                InputKind.PARAMETER, InputKind.BUFFER, InputKind.CONSTANT_TENSOR
            ) or spec.target in mutated:
                continue
            t = exported.state_dict.get(spec.target)
            if t is None:
                t = exported.constants.get(spec.target)
        elif node.op == "get_attr":
            t = getattr(exported.graph_module, str(node.target), None)
        if isinstance(t, torch.Tensor) and t.dtype.is_floating_point:
            found[node] = t
    return found


def _single_result(bn: torch.fx.Node) -> Optional[torch.fx.Node]:
    """The getitem(bn, 0) through which the graph reads the normalized tensor, when nothing
    reads bn's other results (the saved mean and inverse deviation)."""
    users = list(bn.users)
    if len(users) != 1 or users[0].target is not operator.getitem or users[0].args[1] != 0:
        return None
    return users[0]


@dataclass
class _Merge:
    producer: torch.fx.Node  # the convolution or linear
    weight: torch.fx.Node
    bias: Optional[torch.fx.Node]
    new_weight: torch.Tensor
    new_bias: torch.Tensor


def _scaled(
    producer: torch.fx.Node, weight: torch.Tensor, bias: Optional[torch.Tensor],
    scale: torch.Tensor, shift: torch.Tensor,
) -> Optional[tuple[torch.Tensor, torch.Tensor]]:
    """weight and bias of `producer` such that it computes bn(producer(x)) = producer(x) * scale
    + shift per output channel; None when the channel layout is not one this knows."""
    channels = scale.numel()
    w = weight.double()
    if producer.target == _CONVOLUTION:
        transposed, groups = producer.args[6], producer.args[8]
        if not transposed:  # weight (C_out, C_in / groups, k...)
            if w.shape[0] != channels:
                return None
            w = w * scale.reshape(-1, *([1] * (w.dim() - 1)))
        else:  # weight (C_in, C_out / groups, k...), output channel g * C_out/groups + j
            if w.shape[0] % groups or w.shape[1] * groups != channels:
                return None
            grouped = w.reshape(groups, w.shape[0] // groups, *w.shape[1:])
            s = scale.reshape(groups, 1, w.shape[1], *([1] * (w.dim() - 2)))
            w = (grouped * s).reshape(w.shape)
    else:  # linear: weight (out_features, in_features)
        if w.dim() != 2 or w.shape[0] != channels:
            return None
        w = w * scale.reshape(-1, 1)
    b = bias.double() if bias is not None else torch.zeros(channels, dtype=torch.float64)
    return w.to(weight.dtype).contiguous(), (b * scale + shift).to(weight.dtype)


def _merge_for(
    bn: torch.fx.Node, constants: dict[torch.fx.Node, torch.Tensor]
) -> Optional[_Merge]:
    x, gamma, beta, mean, var, _momentum, eps = bn.args
    producer = x
    if not isinstance(producer, torch.fx.Node) or producer.target not in (_CONVOLUTION, _LINEAR):
        return None
    if len(producer.users) != 1:  # something else reads the unnormalized result
        return None
    weight = producer.args[1]
    bias = producer.args[2] if len(producer.args) > 2 else None
    if weight not in constants or (bias is not None and bias not in constants):
        return None
    if len(weight.users) != 1:  # a tied weight would be stored twice
        return None
    if mean not in constants or var not in constants:
        return None
    for p in (gamma, beta):
        if p is not None and p not in constants:
            return None
    out = producer.meta.get("val")
    if not isinstance(out, torch.Tensor) or out.dim() < 2:
        return None
    if producer.target == _LINEAR and out.dim() != 2:  # channels are dim 1 only when 2-D
        return None
    w = constants[weight]
    channels = out.shape[1]
    tensors = [constants[n] for n in (mean, var, gamma, beta) if n is not None]
    if any(t.shape != (channels,) for t in tensors) or w.dtype != out.dtype:
        return None
    invstd = torch.rsqrt(constants[var].double() + float(eps))
    g = constants[gamma].double() if gamma is not None else torch.ones(channels, dtype=torch.float64)
    be = constants[beta].double() if beta is not None else torch.zeros(channels, dtype=torch.float64)
    scale = g * invstd
    shift = be - constants[mean].double() * scale
    made = _scaled(producer, w, constants[bias] if bias is not None else None, scale, shift)
    if made is None:
        return None
    return _Merge(producer, weight, bias, made[0], made[1])


def _constant_node(
    exported: torch.export.ExportedProgram, before: torch.fx.Node, name: str,
    value: torch.Tensor, like: Optional[torch.fx.Node],
) -> torch.fx.Node:
    gm = exported.graph_module
    target = name
    k = 0
    while hasattr(gm, target):
        k += 1
        target = f"{name}_{k}"
    gm.register_buffer(target, value, persistent=False)
    with exported.graph.inserting_before(before):
        node = exported.graph.get_attr(target)
    node.meta = dict(like.meta) if like is not None else {}
    node.meta["val"] = value
    return node


def fold_batch_norms(exported: torch.export.ExportedProgram) -> int:
    """Merges each inference batch norm into the convolution or linear before it (see the
    module docstring) when nothing else reads that op's result and its weight is read by that
    op only; returns how many were merged. Parameters left unread are not stored by lower."""
    graph = exported.graph
    matmuls_to_linear(graph)  # nn.Linear as linear(x, W, b), so its weight is W itself
    constants = _constants(exported)
    merged = 0
    for bn in list(graph.nodes):
        if bn.op != "call_function" or bn.target != _BATCH_NORM:
            continue
        result = _single_result(bn)
        merge = _merge_for(bn, constants) if result is not None else None
        if merge is None:
            continue
        producer = merge.producer
        w = _constant_node(exported, producer, f"bn_folded_{producer.name}_weight",
                           merge.new_weight, merge.weight)
        b = _constant_node(exported, producer, f"bn_folded_{producer.name}_bias",
                           merge.new_bias, merge.bias)
        args = list(producer.args)
        while len(args) < 3:
            args.append(None)
        args[1], args[2] = w, b
        producer.args = tuple(args)
        producer.meta["batch_norm_folded"] = bn.name
        result.replace_all_uses_with(producer)
        graph.erase_node(result)
        graph.erase_node(bn)
        merged += 1
    if merged:
        graph.eliminate_dead_code()
        exported.graph_module.recompile()
    return merged


# ------------------------------------------------------------------- rows picked before a linear

_SELECT = torch.ops.aten.select.int
_SLICE = torch.ops.aten.slice.Tensor
_VIEWS = (torch.ops.aten.view.default, torch.ops.aten.reshape.default,
          torch.ops.aten._unsafe_view.default)


def _shape(node: Any) -> Optional[tuple[int, ...]]:
    val = node.meta.get("val") if isinstance(node, torch.fx.Node) else None
    return tuple(val.shape) if isinstance(val, torch.Tensor) else None


def _sole_user(node: torch.fx.Node) -> bool:
    return len(node.users) == 1


def pick_before_linear(exported: torch.export.ExportedProgram) -> int:
    """Rewrites select / slice of a linear's result along a dim other than the last (a
    language model's `logits[:, -1]`) as the linear of the selected rows: linear acts on the
    last dim alone, so picking rows first gives the same values (each row is the same dot
    products) and skips the rows nobody reads — for OPT-125M's 128-token forward that is 127 of
    128 rows of its 50272-wide output projection, a third of the model's multiply-adds. Also
    through the views that flatten the leading dims around a linear ((1, T, K) -> (T, K) ->
    linear -> (1, T, N)). Only when nothing else reads the linear's result. Returns how many were
    rewritten."""
    graph = exported.graph
    matmuls_to_linear(graph)
    done = 0
    for pick in list(graph.nodes):
        if pick.op != "call_function" or pick.target not in (_SELECT, _SLICE):
            continue
        y = pick.args[0]
        y_shape = _shape(y)
        if not isinstance(y, torch.fx.Node) or y_shape is None or not _sole_user(y):
            continue
        dim = pick.args[1] if len(pick.args) > 1 else pick.kwargs.get("dim", 0)
        if not isinstance(dim, int) or not -len(y_shape) <= dim < len(y_shape):
            continue
        dim %= len(y_shape)
        if dim == len(y_shape) - 1:
            continue
        linear, view_out = y, None
        if y.op == "call_function" and y.target in _VIEWS:
            view_out, linear = y, y.args[0]
        if (not isinstance(linear, torch.fx.Node) or linear.target != _LINEAR
                or not _sole_user(linear)):
            continue
        x = linear.args[0]
        if view_out is not None:  # (..., K) -> view (M, K) -> linear -> (M, N) -> view (..., N)
            lin_shape = _shape(linear)
            if (lin_shape is None or not isinstance(x, torch.fx.Node) or x.target not in _VIEWS
                    or not _sole_user(x) or lin_shape[-1] != y_shape[-1]):
                continue
            x = x.args[0]
            x_shape = _shape(x)
            if x_shape is None or x_shape[:-1] != y_shape[:-1]:
                continue
        x_shape = _shape(x)
        if x_shape is None or len(x_shape) != len(y_shape) or x_shape[:-1] != y_shape[:-1]:
            continue
        with graph.inserting_before(pick):
            picked = graph.call_function(pick.target, (x, dim, *pick.args[2:]), dict(pick.kwargs))
            new_linear = graph.call_function(_LINEAR, (picked, *linear.args[1:]))
        picked.meta = {"val": pick.target(x.meta["val"], dim, *pick.args[2:], **pick.kwargs)}
        new_linear.meta = dict(linear.meta)
        new_linear.meta["val"] = pick.meta.get("val")
        new_linear.meta["rows_picked_first"] = pick.name
        pick.replace_all_uses_with(new_linear)
        graph.erase_node(pick)
        done += 1
    if done:
        graph.eliminate_dead_code()
        exported.graph_module.recompile()
    return done


_PERMUTE = torch.ops.aten.permute.default
_TRANSPOSE = torch.ops.aten.transpose.int


def _dims_of(node: torch.fx.Node) -> Optional[list[int]]:
    """The permutation a permute / transpose node applies (out dim i = in dim p[i]), or None."""
    if node.op != "call_function" or node.target not in (_PERMUTE, _TRANSPOSE):
        return None
    shape = _shape(node.args[0]) if isinstance(node.args[0], torch.fx.Node) else None
    if shape is None:
        return None
    rank = len(shape)
    if node.target == _PERMUTE:
        dims = [d % rank if isinstance(d, int) and -rank <= d < rank else None for d in node.args[1]]
        return dims if None not in dims and sorted(dims) == list(range(rank)) else None
    if node.target == _TRANSPOSE and rank:
        a, b = node.args[1], node.args[2]
        if not all(isinstance(d, int) and -rank <= d < rank for d in (a, b)):
            return None
        dims = list(range(rank))
        dims[a % rank], dims[b % rank] = dims[b % rank], dims[a % rank]
        return dims
    return None


def cancel_permutes(exported: torch.export.ExportedProgram) -> int:
    """Rewrites a permute (or transpose) of a permute as one permute of the first's input, and
    as that input itself when the two undo each other (a transformer's (B, T, H, D) ->
    transpose(1, 2) -> transpose(1, 2) around an attention op that takes the first layout):
    each permute is a copy in the file (permute_copy), and in the graph both are views, so the
    values are the same. Returns how many permutes were removed."""
    graph = exported.graph
    done = 0
    for node in list(graph.nodes):
        outer = _dims_of(node)
        inner_node = node.args[0] if outer is not None else None
        inner = _dims_of(inner_node) if isinstance(inner_node, torch.fx.Node) else None
        if inner is None:
            continue
        source = inner_node.args[0]
        dims = [inner[d] for d in outer]
        if dims == list(range(len(dims))):
            node.replace_all_uses_with(source)
        else:
            with graph.inserting_before(node):
                merged = graph.call_function(_PERMUTE, (source, dims))
            merged.meta = dict(node.meta)
            node.replace_all_uses_with(merged)
        graph.erase_node(node)
        done += 1
    if done:
        graph.eliminate_dead_code()
        exported.graph_module.recompile()
    return done


# ------------------------------------------------------------------------------ view aliasing

# Out-variant kernels whose result holds `self`'s bytes unchanged in the same order (every
# planned tensor is contiguous), with self at args[0] and the out as the last arg.
_SAME_BYTES_OPS: frozenset[str] = frozenset({
    "aten::view_copy.out",
    "aten::_unsafe_view.out",
    "aten::squeeze_copy.out",
    "aten::squeeze_copy.dim_out",
    "aten::squeeze_copy.dims_out",
    "aten::unsqueeze_copy.out",
    "aten::alias_copy.out",
    "aten::detach_copy.out",
    "aten::lift_fresh_copy.out",
    "aten::clone.out",
    "aten::_to_copy.out",  # only when it keeps the dtype (checked below)
    "aten::expand_copy.out",  # only when it keeps the shape (checked below)
})

ET_VIEW_OP = ("executorch_prim::et_view", "default")
# the same-bytes ops whose args[1] is the size list of their result
_SIZE_LIST_VIEWS = frozenset({"aten::view_copy", "aten::_unsafe_view"})


def _outs(call: ir.KernelCall, method: ir.Method) -> list[int]:
    """The tensors a lowered kernel call writes: its last argument (the return, one tensor or a
    TensorList of them), as lower writes every call."""
    last = method.values[call.args[-1]]
    if isinstance(last, ir.TensorListValue):
        return list(last.items)
    return [call.args[-1]] if isinstance(last, ir.TensorValue) else []


def _tensors_in(index: int, method: ir.Method) -> list[int]:
    value = method.values[index]
    if isinstance(value, (ir.TensorListValue, ir.OptionalTensorListValue)):
        return [i for i in value.items if isinstance(method.values[i], ir.TensorValue)]
    return [index] if isinstance(value, ir.TensorValue) else []


def alias_views(method: ir.Method) -> int:
    """Makes the result of each same-bytes op (`_SAME_BYTES_OPS`) an alias of the tensor it
    reads, and drops the copy; returns how many. method.aliases maps each alias to the tensor
    that owns its bytes (never itself an alias): the planner gives both one slot, live as long
    as either is used. The alias of a planned tensor or a constant needs no instruction (it is
    written with the owner's memory offset or constant buffer, as ExecuTorch's emitter does);
    the alias of a method input becomes `executorch_prim::et_view` with an unplanned out, which
    points it at the input's bytes when it runs (the planner keeps the input's slot for as long
    as the view is read). So does the view of a dynamic tensor (its sizes change at run time),
    from the view's own size list, whatever its owner.

    A method output may alias a planned tensor (the planner keeps the owner's slot to the end);
    it stays a copy when it would alias a method input or a constant (an output must be the
    method's own memory), when anything else writes the tensors involved, or when a delegate
    reads them."""
    written: dict[int, int] = {}
    for call in method.instructions:
        if isinstance(call, ir.KernelCall):
            for t in _outs(call, method):
                written[t] = written.get(t, 0) + 1
    outputs = set(method.outputs)
    untouchable: set[int] = set()
    for call in method.instructions:
        if isinstance(call, (ir.DelegateCall, ir.MoveCall)):
            for a in call.args:
                untouchable.update(_tensors_in(a, method))
    inputs = set(method.inputs)
    untouchable.update(i for i, v in enumerate(method.values)
                       if isinstance(v, ir.TensorValue) and v.state)

    owner: dict[int, int] = dict(method.aliases)
    kept: list[ir.Instruction] = []
    count = 0
    for call in method.instructions:
        if not isinstance(call, ir.KernelCall) or call.full_name not in _SAME_BYTES_OPS \
                or len(call.args) < 2:
            kept.append(call)
            continue
        src, out = call.args[0], call.args[-1]
        s, o = method.values[src], method.values[out]
        if not isinstance(s, ir.TensorValue) or not isinstance(o, ir.TensorValue) \
                or s.dtype != o.dtype or s.nbytes != o.nbytes or o.is_constant \
                or (call.op_name == "aten::expand_copy" and s.sizes != o.sizes) \
                or out in untouchable or out in inputs or written.get(out, 0) != 1:
            kept.append(call)
            continue
        root = owner.get(src, src)
        r = method.values[root]
        assert isinstance(r, ir.TensorValue)
        # A view of a dynamic tensor takes its sizes when it runs: an et_view from the view's
        # own size list (which may name sizes the program computed); other ops stay copies.
        dynamic = s.dynamic or o.dynamic
        if root in untouchable - outputs or written.get(root, 0) > 1 or (
            root in inputs and written.get(root, 0) > 0
        ) or (out in outputs and (root in inputs or r.is_constant or dynamic)) or (
            dynamic and call.op_name not in _SIZE_LIST_VIEWS
        ):
            kept.append(call)
            continue
        count += 1
        if r.is_constant:  # the same constant bytes under another shape
            o.constant_index = r.constant_index
            continue
        owner[out] = root
        if dynamic:
            kept.append(ir.KernelCall(
                op_name=ET_VIEW_OP[0], overload=ET_VIEW_OP[1], args=[src, call.args[1], out],
                source=call.source, origin=call.origin,
            ))
        elif root in inputs:
            sizes = [method.add(ir.IntValue(n)) for n in o.sizes]
            size_list = method.add(ir.IntListValue(sizes))
            kept.append(ir.KernelCall(
                op_name=ET_VIEW_OP[0], overload=ET_VIEW_OP[1], args=[root, size_list, out],
                source=call.source, origin=call.origin,
            ))
    # A view of an input that only fed other views binds nothing anyone reads: the later views
    # point at the input themselves.
    read = set(method.outputs)
    for call in kept:
        args = call.args[:-1] if _is_et_view(call) else call.args
        for a in args:
            read.update(_tensors_in(a, method))
    method.instructions = [c for c in kept if not _is_et_view(c) or c.args[-1] in read]
    method.aliases = {v: o for v, o in owner.items() if v in read or o not in inputs}
    return count


def _is_et_view(call: ir.Instruction) -> bool:
    return isinstance(call, ir.KernelCall) and (call.op_name, call.overload) == ET_VIEW_OP


def drop_unused_values(method: ir.Method) -> int:
    """Removes the values nothing refers to any more (the outs and size lists of the copies
    alias_views dropped), renumbering the rest; returns how many. Each value costs the loader
    bookkeeping memory."""
    used: set[int] = set()

    def use(index: int) -> None:
        if index in used:
            return
        used.add(index)
        value = method.values[index]
        if isinstance(value, (ir.IntListValue, ir.TensorListValue, ir.OptionalTensorListValue)):
            for item in value.items:
                use(item)

    for index in method.inputs + method.outputs:
        use(index)
    for call in method.instructions:
        for index in call.args:
            use(index)
        if isinstance(call, ir.MoveCall):
            use(call.move_to)
    if len(used) == len(method.values):
        return 0
    order = sorted(used)
    new = {old: i for i, old in enumerate(order)}
    values = [method.values[i] for i in order]
    for value in values:
        if isinstance(value, (ir.IntListValue, ir.TensorListValue, ir.OptionalTensorListValue)):
            value.items = [new[i] for i in value.items]
    for call in method.instructions:
        if isinstance(call, (ir.KernelCall, ir.DelegateCall)):
            call.args = [new[i] for i in call.args]
        elif isinstance(call, ir.MoveCall):
            call.move_from, call.move_to = new[call.move_from], new[call.move_to]
        elif isinstance(call, ir.JumpFalseCall):
            call.cond = new[call.cond]
        elif isinstance(call, ir.FreeCall):
            call.value = new[call.value]
    dropped = len(method.values) - len(values)
    method.values = values
    method.inputs = [new[i] for i in method.inputs]
    method.outputs = [new[i] for i in method.outputs]
    method.aliases = {new[v]: new[o] for v, o in method.aliases.items() if v in new}
    return dropped
