"""Stage 4, lower: a core-ATen torch.export program → an `ir.Method` of out-variant kernel calls.

Every functional ATen op becomes its out variant (`aten.add.Tensor` → `aten::add.out`), found by
schema matching; view ops first become their copying twins (`aten.view` → `aten::view_copy.out`).
Arguments are encoded in the out variant's schema order, keyword-only outs last, followed by the
returns exactly as ExecuTorch's emitter writes them: a single out is repeated; several outs (or
a Tensor[] out) are repeated as one TensorList value. Parameters, buffers and lifted constants
become constant tensors in the program's constant table, stored only if used.

Two rewrites on the way: nn.Linear's mm/addmm over a transposed weight becomes `linear`
(before fold.py runs, so the weight is read as stored), and a Python number passed as a Tensor
argument (`add.Tensor(x, 3)`) selects the op's Scalar overload (`add.Scalar`). Constant
subgraphs were already computed by the fold stage (fold.py): they arrive as get_attr nodes.
"""

from __future__ import annotations

import math
import operator
import os
import re
import warnings
from typing import Any, Callable, Optional

import torch
from torch.export.graph_signature import InputKind, OutputKind
from torch.utils import _pytree as pytree

from . import ir
from .errors import ExportError

# View ops and the op that computes the same result into fresh memory. The overload name is
# kept unless the entry says otherwise ("view_copy.default").
VIEW_TO_COPY: dict[str, str] = {
    "view": "view_copy",
    "_unsafe_view": "view_copy.default",
    "reshape": "view_copy.default",
    "alias": "alias_copy",
    "as_strided": "as_strided_copy",
    "detach": "detach_copy",
    "diagonal": "diagonal_copy",
    "expand": "expand_copy",
    "lift_fresh": "lift_fresh_copy",
    "narrow": "narrow_copy",
    "permute": "permute_copy",
    "select": "select_copy",
    "slice": "slice_copy",
    "split": "split_copy",
    "split_with_sizes": "split_with_sizes_copy",
    "squeeze": "squeeze_copy",
    "t": "t_copy",
    "transpose": "transpose_copy",
    "unbind": "unbind_copy",
    "unfold": "unfold_copy",
    "unsqueeze": "unsqueeze_copy",
}

# Ops that only check things at trace time; they emit no instruction.
NO_OP_PACKETS: frozenset[str] = frozenset(
    {
        "_assert_tensor_metadata",
        "_assert_async",
        "_assert_scalar",
        "_functional_assert_async",
        "_functional_assert_scalar",
        "sym_constrain_range",
        "sym_constrain_range_for_size",
        "_functional_sym_constrain_range",
        "_functional_sym_constrain_range_for_size",
        "_print",
    }
)

# Keyword arguments of functional ops that an out variant may lack: the out tensor carries them.
IMPLIED_BY_OUT: frozenset[str] = frozenset(
    {"dtype", "layout", "device", "pin_memory", "memory_format"}
)

_TORCH_DIR = os.path.dirname(torch.__file__)

# Ember's own operators, for ops that libraries define without an out variant. Each is declared
# to torch here (schema only: they are never called in Python) so that lowering finds its out
# variant like any other; the C runtime has a kernel of the same name.
_EMBER_LIB = torch.library.Library("ember", "FRAGMENT")
_EMBER_LIB.define("grouped_mm(Tensor input, Tensor weight, Tensor offs) -> Tensor")
_EMBER_LIB.define(
    "grouped_mm.out(Tensor input, Tensor weight, Tensor offs, *, Tensor(a!) out) -> Tensor(a!)")
_EMBER_LIB.define(
    "sdpa(Tensor query, Tensor key, Tensor value, Tensor? attn_mask=None, float dropout_p=0.0, "
    "bool is_causal=False, *, float? scale=None, bool enable_gqa=False) -> Tensor")
_EMBER_LIB.define(
    "sdpa.out(Tensor query, Tensor key, Tensor value, Tensor? attn_mask=None, "
    "float dropout_p=0.0, bool is_causal=False, *, float? scale=None, bool enable_gqa=False, "
    "Tensor(a!) out) -> Tensor(a!)")

# Custom ops of other libraries → the Ember operator computing the same, with the same
# arguments. transformers' mixture-of-experts layers (Mixtral, Qwen-MoE, ...) call
# grouped_mm_fallback by default: rows of `input` sorted by expert times each expert's weight.
# torch's scaled_dot_product_attention has no out variant; capture keeps it whole (unless
# export(decompose_attention=True)) and it runs as Ember's fused attention kernel.
FOREIGN_OPS: dict[str, Any] = {
    "transformers::grouped_mm_fallback": torch.ops.ember.grouped_mm.default,
    "aten::scaled_dot_product_attention": torch.ops.ember.sdpa.default,
}


def file_op_name(name: str) -> str:
    """The name an op is written under: Ember's declarations of ExecuTorch's Cortex-M int8 ops
    (quantize.py, `ember::cm_<op>`) become `cortex_m::<op>`, of its LLM custom ops (llm.py,
    `ember::llama_<op>`) `llama::<op>`, its `clone_dim_order` becomes
    `dim_order_ops::_clone_dim_order`, its twins of the quantize / dequantize boundaries
    (`ember::qd_<op>`) `quantized_decomposed::<op>`; other names are kept."""
    if name.startswith("ember::cm_"):
        return "cortex_m::" + name[len("ember::cm_"):]
    if name.startswith("ember::qd_"):
        return "quantized_decomposed::" + name[len("ember::qd_"):]
    if name.startswith("ember::llama_"):  # ExecuTorch's LLM custom ops (llm.py)
        return "llama::" + name[len("ember::llama_"):]
    if name == "ember::clone_dim_order":
        return "dim_order_ops::_clone_dim_order"
    return name


# ExecuTorch's Cortex-M int8 operators that read and write NCHW-shaped tensors stored
# channels-last (dim order 0, 2, 3, 1); quantize.py emits them.
CHANNELS_LAST_INT8_OPS: frozenset[str] = frozenset({
    "cortex_m::quantized_conv2d", "cortex_m::quantized_depthwise_conv2d",
    "cortex_m::quantized_max_pool2d", "cortex_m::quantized_avg_pool2d", "cortex_m::pad"})


def int8_dim_order(node: torch.fx.Node, rank: int,
                   operand_order: Callable[[Any], tuple[int, ...]]) -> tuple[int, ...]:
    """The dim order of what `node` writes: () (contiguous) for Ember's kernels; for the int8
    rewrite's ops (quantize.py) what each op writes — the channels-last ones (0, 2, 3, 1), a
    `_clone_dim_order` the order it is given, an elementwise int8 op its first operand's
    (`operand_order` of it). (From the ops, not the fake tensors' strides: those cannot tell the
    two layouts apart where they hold the same bytes, one channel say.) The lowerer writes these
    orders; ethos_u.py partitions on them."""
    schema = getattr(node.target, "_schema", None)
    name = file_op_name(schema.name) if schema is not None else ""
    if rank != 4 or schema is None or name == schema.name:
        return ()
    if name in CHANNELS_LAST_INT8_OPS:  # (N, C, 1, 1): the same bytes either way
        val = node.meta.get("val")
        hw1 = isinstance(val, torch.Tensor) and tuple(val.shape[2:]) == (1, 1)
        return () if hw1 else (0, 2, 3, 1)
    if name == "dim_order_ops::_clone_dim_order":
        order = tuple(node.kwargs.get("dim_order") or ())
        return order if order and order != tuple(range(rank)) else ()
    if name in ("cortex_m::quantized_add", "cortex_m::quantized_mul",
                "cortex_m::quantized_activation"):
        return operand_order(node.args[0])
    return ()


def _user_frames(node: torch.fx.Node) -> list[tuple[str, str, str, str]]:
    """(path, line, function, code) of each frame of the node's stack trace outside torch,
    outermost first; all frames when none is outside torch."""
    trace = node.meta.get("stack_trace") or ""
    frames = re.findall(r'File "([^"]+)", line (\d+), in ([^\n]*)\n\s*([^\n]*)', trace)
    return [f for f in frames if not f[0].startswith(_TORCH_DIR)] or frames


def source_of(node: torch.fx.Node) -> str:
    """Where in the model `node` came from: the innermost model line, "file.py:42 (`code`)",
    and when that is inside a helper function, who called it ("... in helper, called from
    model.py:12"); else the module path. (capture keeps the helpers' frames; torch.export alone
    would blame the line in forward that calls the helper.)"""
    frames = _user_frames(node)
    if frames:
        path, line, func, code = frames[-1]
        where = f"{os.path.basename(path)}:{line} (`{code.strip()}`)"
        if len(frames) > 1 and func != "forward":
            cpath, cline = frames[-2][0], frames[-2][1]
            where += f" in {func}, called from {os.path.basename(cpath)}:{cline}"
        return where
    stack = node.meta.get("nn_module_stack")
    if stack:
        path, kind = list(stack.values())[-1]
        kind_name = kind.__name__ if isinstance(kind, type) else str(kind).rsplit(".", 1)[-1]
        return f"module '{path}' ({kind_name})"
    return f"node '{node.name}'"


def origin_of(node: torch.fx.Node) -> str:
    """The user-level op that torch's decompositions turned into `node` ("torch.roll" for the
    `aten.fmod` that `torch.roll` became), or "" when the node is the op the user called."""
    original = node.meta.get("original_aten")
    target = node.target
    if not isinstance(original, torch._ops.OpOverload) or not isinstance(
        target, torch._ops.OpOverload
    ) or original._overloadpacket == target._overloadpacket:
        return ""
    fn = node.meta.get("torch_fn")
    if isinstance(fn, tuple) and len(fn) == 2 and isinstance(fn[1], str):
        kind, _, name = fn[1].rpartition(".")
        if kind in ("method_descriptor", "wrapper_descriptor"):
            return "tensor indexing" if name in ("__getitem__", "__setitem__") else f"Tensor.{name}"
        if hasattr(torch, name):
            return f"torch.{name}"
        if hasattr(torch.nn.functional, name):
            return f"torch.nn.functional.{name}"
        return name
    return str(original)


def describe(node: torch.fx.Node, op: Any) -> str:
    """`op` (made from the user's op, when a decomposition made it) at the model line."""
    origin = origin_of(node)
    made = f" (made from {origin} by torch's decompositions)" if origin else ""
    return f"{op}{made} at {source_of(node)}"


def _dtype_remedy(dtype: torch.dtype) -> str:
    if dtype.is_complex:
        return (
            "not supported yet: complex tensors; compute with real ones (e.g. complex RoPE as "
            "x * cos + rotate_half(x) * sin)"
        )
    return f"not supported yet: {dtype}; convert the model to float32 (model.float())"


def unsupported(op: Any, node: torch.fx.Node, why: str, remedy: str = "") -> ExportError:
    remedy = remedy or (
        "not supported yet: rewrite that line with other ops, or report the op to Ember"
    )
    return ExportError(f"unsupported operator {describe(node, op)}: {why}. Remedy: {remedy}")


def _type_key(t: Any) -> str:
    return str(t).replace("SymInt", "int")


def copy_op_for_view(op: torch._ops.OpOverload) -> torch._ops.OpOverload:
    """The functional copy op for a view op (`aten.view.default` → `aten.view_copy.default`),
    or `op` itself when it is not a view."""
    packet_name = op._schema.name.split("::")[-1]
    target = VIEW_TO_COPY.get(packet_name)
    if target is None or not op._schema.name.startswith("aten::"):
        return op
    copy_name, _, overload = target.partition(".")
    packet = getattr(torch.ops.aten, copy_name)
    return getattr(packet, overload or op._overloadname)


def find_out_variant(op: torch._ops.OpOverload) -> Optional[torch._ops.OpOverload]:
    """The overload of `op`'s packet that writes into keyword-only out tensors and otherwise
    takes the same arguments (by name and type, in order), minus those implied by the out
    tensor (dtype, layout, ...). None when there is none."""
    schema = op._schema
    if any(a.is_out for a in schema.arguments):
        return op
    functional = [(a.name, _type_key(a.type)) for a in schema.arguments]
    returns = [_type_key(r.type) for r in schema.returns]
    packet = op._overloadpacket
    best, best_dropped = None, None
    for overload in packet.overloads():
        candidate = getattr(packet, overload)
        args = candidate._schema.arguments
        outs = [_type_key(a.type) for a in args if a.is_out]
        if not outs or outs != returns:
            continue
        kept = [(a.name, _type_key(a.type)) for a in args if not a.is_out]
        kept_names = {name for name, _ in kept}
        dropped = [name for name, _ in functional if name not in kept_names]
        if any(name not in IMPLIED_BY_OUT for name in dropped):
            continue
        # the overload that keeps the most arguments: x.dtype -> x.dtype_out, not x.out
        if [f for f in functional if f[0] in kept_names] == kept and (
                best is None or len(dropped) < best_dropped):
            best, best_dropped = candidate, len(dropped)
    return best


def scalar_overload(
    op: torch._ops.OpOverload, scalar_args: set[str]
) -> Optional[torch._ops.OpOverload]:
    """The overload of `op`'s packet that takes a Scalar (not a Tensor) for each argument
    named in `scalar_args` and is otherwise the same: `aten.add.Tensor` called with a Python
    number as `other` → `aten.add.Scalar`. None when the packet has none."""
    wanted = [
        (a.name, "number" if a.name in scalar_args else _type_key(a.type))
        for a in op._schema.arguments
    ]
    packet = op._overloadpacket
    for overload in packet.overloads():
        candidate = getattr(packet, overload)
        args = candidate._schema.arguments
        if any(a.is_out for a in args):
            continue
        if [(a.name, _type_key(a.type)) for a in args] == wanted:
            return candidate
    return None


def tensor_bytes(t: torch.Tensor) -> bytes:
    t = t.detach().cpu().contiguous()
    if t.numel() == 0:
        return b""
    return t.reshape(-1).view(torch.uint8).numpy().tobytes()


# A program that reads a dynamic size computes with it in the graph's SymInt nodes: the size
# read from a tensor (aten::sym_size.int, aten::sym_numel) and Python arithmetic on sizes, which
# become ExecuTorch's prim ops (executorch_prim::*.Scalar, as its exporter names them:
# exir/passes/executorch_prim_ops_registry.py). Each writes an Int (Double, Bool) value that
# views' size lists and scalar arguments name; the runtime runs them again when sizes change.
_SIZE_OPS: dict[Any, tuple[str, str]] = {
    torch.ops.aten.sym_size.int: ("aten::sym_size", "int"),
    torch.ops.aten.sym_numel.default: ("aten::sym_numel", ""),
    # a one-element tensor's value (a KV cache's start position: llm.py)
    torch.ops.aten.item.default: ("aten::_local_scalar_dense", ""),
    torch.ops.aten._local_scalar_dense.default: ("aten::_local_scalar_dense", ""),
}
_AUTO_FUNCTIONALIZED = tuple(
    op for op in (getattr(torch.ops.higher_order, "auto_functionalized", None),
                  getattr(torch.ops.higher_order, "auto_functionalized_v2", None)) if op is not None
)
_PRIM_SCALAR_OPS: dict[Any, str] = {
    operator.add: "add", operator.sub: "sub", operator.mul: "mul",
    operator.floordiv: "floordiv", operator.truediv: "truediv", operator.mod: "mod",
    operator.eq: "eq", operator.gt: "gt", operator.lt: "lt", operator.ge: "ge", operator.le: "le",
    torch.sym_max: "sym_max", torch.sym_min: "sym_min", operator.neg: "neg",
    torch.sym_float: "sym_float", torch.sym_int: "sym_int", math.ceil: "ceil", round: "round",
    math.trunc: "trunc", torch.sym_not: "sym_not",
}
_SYM_TYPES = (torch.SymInt, torch.SymFloat, torch.SymBool)


def _is_check(node: torch.fx.Node) -> bool:
    """An assertion torch.export left in the graph (no instruction) or a size only they read."""
    target = node.target
    if isinstance(target, torch._ops.OpOverload):
        return target._schema.name.split("::")[-1] in NO_OP_PACKETS
    return isinstance(node.meta.get("val"), _SYM_TYPES) and bool(node.users) and all(
        _is_check(user) for user in node.users)


def _is_symbolic(value: Any) -> bool:
    """A graph node computing a dynamic size (a SymInt, SymFloat or SymBool)."""
    return isinstance(value, torch.fx.Node) and isinstance(value.meta.get("val"), _SYM_TYPES)


def _at_bound(sym: Any) -> Any:
    """The value a symbolic size has when every dynamic dim is at its bound (the file's tensors
    are written there); the runtime computes the real one before anything reads it."""
    kind = bool if isinstance(sym, torch.SymBool) else float if isinstance(sym, torch.SymFloat) else int
    try:
        node = sym.node
        bound = node.shape_env.bound_sympy(node.expr).upper
        if kind is int and int(bound) == bound:
            return int(bound)
    except (TypeError, ValueError, AttributeError, OverflowError):
        pass
    try:  # the example input's value
        return kind(sym.node.hint)
    except (TypeError, ValueError, AttributeError):
        return kind(0)


def _sizes(fake: torch.Tensor, node: torch.fx.Node) -> tuple[tuple[int, ...], bool]:
    """The tensor's sizes, a dynamic dim (torch.export's Dim) at its upper bound, and whether
    it has one."""
    sizes, dynamic = [], False
    for s in fake.shape:
        if isinstance(s, int):
            sizes.append(s)
            continue
        dynamic = True
        try:  # torch's infinity (no Dim max) converts to no int
            bound = int(s.node.shape_env.bound_sympy(s.node.expr).upper)
        except (TypeError, ValueError, AttributeError, OverflowError):
            bound = None
        if bound is None or bound > 2**31 - 1:
            raise ExportError(
                f"dynamic shape {list(fake.shape)} for '{node.name}' at {source_of(node)} has no "
                "upper bound: Ember plans all memory ahead. Remedy: give the dim a maximum, "
                "Dim('T', max=...)"
            )
        sizes.append(bound)
    return tuple(sizes), dynamic


def _treespec_str(spec: Optional[pytree.TreeSpec], what: str) -> str:
    """The pytree spec as torch's treespec JSON, stored in the file so that a runtime can nest
    the flat inputs/outputs as the model had them (ember.load(...).run rebuilds dicts)."""
    if spec is None:
        return ""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return pytree.treespec_dumps(spec)
        except (NotImplementedError, TypeError) as e:  # e.g. an unregistered namedtuple
            raise ExportError(
                f"cannot store how the model's {what} nest ({e}); return a tensor, or a tuple, "
                "list or dict of tensors"
            ) from e


def _output_paths(spec: Optional[pytree.TreeSpec]) -> list[str]:
    """Where each flat output sits in the model's return value: "", "[1]", "['logits']"."""
    if spec is None:
        return []
    try:
        nested = pytree.tree_unflatten(list(range(spec.num_leaves)), spec)
        return [pytree.keystr(path) for path, _ in pytree.tree_flatten_with_path(nested)[0]]
    except Exception:  # a container torch cannot describe by path: positions only
        return []


def _transposed_2d(node: Any) -> Optional[torch.fx.Node]:
    """W if `node` is permute(W, [1, 0]) or t(W) of a 2-D W, else None."""
    if not isinstance(node, torch.fx.Node) or node.op != "call_function":
        return None
    if node.target == torch.ops.aten.t.default:
        src = node.args[0]
    elif node.target == torch.ops.aten.permute.default and list(node.args[1]) == [1, 0]:
        src = node.args[0]
    else:
        return None
    val = src.meta.get("val") if isinstance(src, torch.fx.Node) else None
    return src if isinstance(val, torch.Tensor) and val.dim() == 2 else None


def matmuls_to_linear(graph: torch.fx.Graph) -> None:
    """Rewrites mm(x, Wᵀ) and addmm(b, x, Wᵀ) (b 1-D, beta = alpha = 1), which is how core ATen
    spells nn.Linear, as linear(x, W[, b]). The weight is then read in its stored (N, K) layout
    instead of being transposed into a planned buffer on every run (for a tied weight, such as
    a language model's embedding reused as its output projection, that copy would cost as much
    memory as the weight itself). Transposes left without users are removed."""
    aten = torch.ops.aten
    for node in list(graph.nodes):
        if node.op != "call_function" or node.target not in (aten.mm.default, aten.addmm.default):
            continue
        if node.target == aten.mm.default:
            x, wt = node.args
            bias = None
        else:
            if node.kwargs.get("beta", 1) != 1 or node.kwargs.get("alpha", 1) != 1:
                continue
            bias, x, wt = node.args[:3]
            bval = bias.meta.get("val") if isinstance(bias, torch.fx.Node) else None
            if len(node.args) > 3 or not isinstance(bval, torch.Tensor) or bval.dim() != 1:
                continue
        w = _transposed_2d(wt)
        if w is None:
            continue
        with graph.inserting_before(node):
            linear = graph.call_function(aten.linear.default, (x, w, bias))
        linear.meta = dict(node.meta)
        linear.meta["original_aten"] = aten.linear.default  # what the user wrote
        node.replace_all_uses_with(linear)
        graph.erase_node(node)
        if not wt.users:
            graph.erase_node(wt)


class _Lowerer:
    """Walks one exported graph in order, building one `ir.Method`."""

    def __init__(
        self, exported: torch.export.ExportedProgram, name: str, constants: ir.ConstantTable
    ) -> None:
        self.exported = exported
        self.constants = constants
        self.method = ir.Method(name=name)
        # fx node → value index, or a tuple of indices (multi-output ops), or None (no-ops).
        self.env: dict[torch.fx.Node, Any] = {}
        # The data of every constant node: parameters, buffers, lifted constants and folded
        # results (get_attr nodes made by fold.py). Each becomes a constant value in the table
        # on its first use only.
        self.constant_tensors: dict[torch.fx.Node, torch.Tensor] = {}

    def run(self) -> ir.Method:
        matmuls_to_linear(self.exported.graph)
        signature = self.exported.graph_signature
        # Buffers the model updates are program state (a KV cache): written in place by the
        # ops that update them (_state_update); any other mutation is refused.
        for spec in signature.output_specs:
            if spec.kind not in (OutputKind.USER_OUTPUT, OutputKind.BUFFER_MUTATION):
                raise ExportError(
                    f"the model mutates '{spec.target}' ({spec.kind.name}); only buffers can be "
                    "program state. Remedy: return the new value as an output and pass it back "
                    "in as an input"
                )
        self.mutated = {spec.target: spec for spec in signature.output_specs
                        if spec.kind == OutputKind.BUFFER_MUTATION}
        self.state: dict[str, int] = {}  # buffer target -> its state tensor's value index
        input_kinds = {spec.arg.name: spec for spec in signature.input_specs}
        self.method.encoded_inp_str = _treespec_str(self.exported.call_spec.in_spec, "inputs")
        self.method.encoded_out_str = _treespec_str(self.exported.call_spec.out_spec, "outputs")
        for node in self.exported.graph.nodes:
            try:
                self._node(node, input_kinds)
            except ExportError:
                raise
            except Exception as e:  # a bug of ours or a graph we did not expect: say where
                raise ExportError(
                    f"internal error while lowering '{node.name}' ({node.target}) at "
                    f"{source_of(node)}: {type(e).__name__}: {e}. Remedy: this is a bug in "
                    "Ember's exporter; please report it with the model"
                ) from e
        return self.method

    def _node(self, node: torch.fx.Node, input_kinds: dict[str, Any]) -> None:
        if node.op == "placeholder":
            self._placeholder(node, input_kinds[node.name])
        elif node.op == "get_attr":
            attr = getattr(self.exported.graph_module, str(node.target))
            if not isinstance(attr, torch.Tensor):
                raise ExportError(f"unsupported attribute '{node.target}' ({type(attr)})")
            self.constant_tensors[node] = attr
        elif node.op == "call_function":
            self._call_function(node)
        elif node.op == "output":
            self._output(node)
        else:
            raise ExportError(f"unsupported graph node {node.op} '{node.name}'")

    # -- graph nodes ---------------------------------------------------------------------

    def _placeholder(self, node: torch.fx.Node, spec: Any) -> None:
        if spec.kind == InputKind.USER_INPUT:
            fake = node.meta.get("val")
            if not isinstance(fake, torch.Tensor):
                raise ExportError(
                    f"input '{node.name}' is a {type(fake).__name__}; only tensor inputs are "
                    "supported. Remedy: pass it as a tensor, or make it a constant of the model"
                )
            index = self._new_tensor(fake, node, node.name)
            self.method.inputs.append(index)
            self.env[node] = index
            return
        if spec.kind == InputKind.BUFFER and spec.target in self.mutated:
            self._state_tensor(node, spec.target)
            return
        if spec.kind in (InputKind.PARAMETER, InputKind.BUFFER, InputKind.CONSTANT_TENSOR):
            target = spec.target
            tensor = self.exported.state_dict.get(target)
            if tensor is None:
                tensor = self.exported.constants.get(target)
            if not isinstance(tensor, torch.Tensor):
                raise ExportError(f"cannot find the tensor for '{target}'")
            self.constant_tensors[node] = tensor
            return
        raise ExportError(f"unsupported input '{node.name}' of kind {spec.kind.name}")

    def _output(self, node: torch.fx.Node) -> None:
        results = node.args[0]
        if not isinstance(results, (list, tuple)):
            results = (results,)
        specs = self.exported.graph_signature.output_specs
        user = []
        for r, spec in zip(results, specs):
            if spec.kind != OutputKind.BUFFER_MUTATION:
                user.append(r)
                continue
            # the buffer's new value must be its state tensor, updated in place
            if not isinstance(r, torch.fx.Node) or self.env.get(r) != self.state.get(spec.target):
                raise ExportError(
                    f"the model assigns a new value to buffer '{spec.target}' "
                    f"({getattr(r, 'name', r)}): Ember's programs update state in place only, "
                    "with ops that write into it (ember.llm's KV cache: llama::update_cache). "
                    "Remedy: return the new value as an output and pass it back in as an input"
                )
        results = user
        paths = _output_paths(self.exported.call_spec.out_spec)
        for i, r in enumerate(results):
            if r is None:
                where = f"the model's result{paths[i]}" if i < len(paths) else "the model's result"
                raise ExportError(
                    f"output {i} of method '{self.method.name}' ({where}) is None: Ember's "
                    "runtime returns tensors and numbers, not None; leave it out of what the "
                    "model returns (or return a tensor in its place)"
                )
            if isinstance(r, torch.fx.Node):
                self.method.outputs.append(self._tensor_index(r, node))
            else:
                self.method.outputs.append(self._encode_python(r, None, node))

    def _call_function(self, node: torch.fx.Node) -> None:
        target = node.target
        if target is operator.getitem:
            source, item = node.args
            produced = self.env.get(source)
            if not isinstance(produced, tuple):
                raise ExportError(f"getitem on a single value at {source_of(node)}")
            self.env[node] = produced[item]
            return
        if target in _AUTO_FUNCTIONALIZED:
            self._state_update(node)
            return
        if getattr(target, "backend_id", None):  # a delegated partition (ethos_u.EthosUCall)
            self._delegate_call(node, target)
            return
        is_op = isinstance(target, torch._ops.OpOverload)
        if target in _SIZE_OPS or (not is_op and isinstance(node.meta.get("val"), _SYM_TYPES)):
            self._size_call(node)
            return
        if is_op and target._schema.name.startswith("aten::sym_"):
            raise ExportError(
                f"'{node.name}' at {source_of(node)} reads a tensor's {target._schema.name[9:]}: "
                "Ember's tensors are contiguous in the order their dim order gives, and a program "
                "may read their sizes (x.shape, x.numel()) but not strides or offsets. Remedy: "
                "compute it from the sizes"
            )
        if not is_op:
            raise ExportError(
                f"unsupported call {getattr(target, '__name__', target)} at {source_of(node)}"
            )
        if target._schema.name.split("::")[-1] in NO_OP_PACKETS:
            self.env[node] = None
            return
        self._kernel_call(node, target)

    def _delegate_call(self, node: torch.fx.Node, target: Any) -> None:
        """A partition handed to a backend (ethos_u.delegate): one DelegateCall whose args are
        its input tensors then fresh planned tensors for its outputs, as ExecuTorch writes
        them; the outputs get the dim order the partition writes its bytes in."""
        inputs = [self._tensor_index(a, node) for a in node.args]
        for index, order in zip(inputs, target.in_dim_orders):
            have = self.method.values[index].dim_order
            if tuple(have) != tuple(order):
                raise ExportError(f"internal error: delegate input '{node.name}' has dim order "
                                  f"{have}, the partition assumed {order}")
        outs = []
        for k, (fake, order) in enumerate(zip(node.meta["val"], target.out_dim_orders)):
            sizes, dynamic = _sizes(fake, node)
            if dynamic:
                raise ExportError(f"a delegate output of dynamic shape at {source_of(node)}")
            outs.append(self.method.add(ir.TensorValue(dtype=fake.dtype, sizes=sizes,
                                                       name=f"{node.name}[{k}]", dim_order=order)))
        self.method.delegates.append(ir.Delegate(backend_id=target.backend_id, blob=target.blob,
                                                 compile_specs=list(target.compile_specs)))
        self.method.instructions.append(ir.DelegateCall(
            delegate_index=len(self.method.delegates) - 1, args=inputs + outs,
            backend=target.backend_id))
        self.env[node] = tuple(outs)

    # -- program state ---------------------------------------------------------------------

    def _state_tensor(self, node: torch.fx.Node, target: str) -> None:
        """A buffer the model updates: a planned tensor of its own for the method's life. Its
        starting bytes go in the file unless only the KV cache ops (llm.CACHE_OPS) touch it and
        it starts zero: they read only rows they wrote."""
        from .llm import CACHE_OPS, CACHE_UPDATE_OPS

        tensor = self.exported.state_dict.get(target)
        if tensor is None:
            tensor = self.exported.constants.get(target)
        if not isinstance(tensor, torch.Tensor):
            raise ExportError(f"cannot find the tensor for buffer '{target}'")
        if tensor.dtype not in ir.SCALAR_TYPE_CODES:
            raise ExportError(f"unsupported dtype {tensor.dtype} of buffer '{target}'. "
                              f"Remedy: {_dtype_remedy(tensor.dtype)}")

        def cache_only(n: torch.fx.Node) -> bool:
            for user in n.users:
                if user.op == "output":
                    continue
                if user.target in _AUTO_FUNCTIONALIZED and user.args[0] in CACHE_UPDATE_OPS:
                    if not all(cache_only(g) for g in user.users if g.args[1] != 0):
                        return False
                elif user.target not in CACHE_OPS:
                    return False
            return True

        initial = 0
        if bool(tensor.any()) or not cache_only(node):
            initial = self.constants.add(tensor_bytes(tensor))
        index = self.method.add(ir.TensorValue(
            dtype=tensor.dtype, sizes=tuple(tensor.shape), name=target, state=True,
            initial_index=initial))
        self.env[node] = index
        self.state[target] = index

    def _state_update(self, node: torch.fx.Node) -> None:
        """torch.export's auto_functionalized(op, ...) of an op that writes one of its arguments
        in place: the op's out variant writing straight into the state tensor (no copy); the
        node's results are the op's, then each written buffer's new value (that tensor)."""
        op = node.args[0]
        kwargs = dict(node.kwargs)
        written: dict[str, int] = {}
        bases = kwargs.pop("_all_bases", None)
        for arg in op._schema.arguments:
            if arg.alias_info is None or not arg.alias_info.is_write:
                continue
            if bases is not None:  # v2: the argument is _all_bases[_NAME_base_index]
                base = bases[kwargs.pop(f"_{arg.name}_base_index")]
                if any(kwargs.pop(f"_{arg.name}_{k}", None) is not None
                       for k in ("size", "stride", "storage_offset")):
                    raise unsupported(op, node, f"it writes a view of '{arg.name}'")
            else:
                base = kwargs.pop(arg.name)
            index = self.env.get(base) if isinstance(base, torch.fx.Node) else None
            value = self.method.values[index] if isinstance(index, int) else None
            if not isinstance(value, ir.TensorValue) or not value.state:
                raise unsupported(op, node, f"it writes '{arg.name}', which is not a buffer of "
                                  "the model (program state)")
            written[arg.name] = index
            kwargs[arg.name] = base
        self._kernel_call(node, op, (), kwargs, node.meta["val"][0])
        self.env[node] = (self.env[node], *written.values())

    # -- one operator ----------------------------------------------------------------------

    def _size_call(self, node: torch.fx.Node) -> None:
        """A SymInt node: a size read from a tensor or arithmetic on sizes (_SIZE_OPS,
        _PRIM_SCALAR_OPS), one kernel call writing a fresh scalar value."""
        target = node.target
        val = node.meta.get("val")
        if all(_is_check(user) for user in node.users):  # read by trace-time checks alone
            self.env[node] = None
            return
        if target in _SIZE_OPS:
            op_name, overload = _SIZE_OPS[target]
            operands = [self._tensor_index(node.args[0], node)]
            operands += [self.method.add(ir.IntValue(int(a))) for a in node.args[1:]]
        elif target in _PRIM_SCALAR_OPS and not node.kwargs:
            op_name, overload = "executorch_prim::" + _PRIM_SCALAR_OPS[target], "Scalar"
            # round(x) is traced as round(x, None): no digits
            operands = [self._scalar_operand(a, node) for a in node.args if a is not None]
        else:
            raise ExportError(
                f"'{node.name}' at {source_of(node)} computes a dynamic size with "
                f"{getattr(target, '__name__', target)}, which Ember's runtime has no operator "
                "for (it has sym_size, sym_numel and executorch_prim's + - * // / % comparisons, "
                "min, max, neg, float, int, ceil, round, trunc, not). Remedy: compute the size "
                "with those, or keep this shape static"
            )
        start = _at_bound(val)
        out = self.method.add(
            ir.BoolValue(start) if isinstance(start, bool)
            else ir.DoubleValue(start) if isinstance(start, float) else ir.IntValue(start)
        )
        self.method.instructions.append(
            ir.KernelCall(op_name=op_name, overload=overload, args=operands + [out],
                          source=source_of(node), origin=origin_of(node))
        )
        self.env[node] = out

    def _scalar_operand(self, value: Any, node: torch.fx.Node) -> int:
        """A size computation's operand: a symbolic value already computed, or a number."""
        if _is_symbolic(value):
            return self._symbolic_index(value, node)
        if isinstance(value, bool):
            return self.method.add(ir.BoolValue(value))
        if isinstance(value, int):
            return self.method.add(ir.IntValue(value))
        if isinstance(value, float):
            return self.method.add(ir.DoubleValue(value))
        raise ExportError(
            f"'{node.name}' at {source_of(node)} computes a size from {value!r}, which is not a "
            "size or a number"
        )

    def _symbolic_index(self, source: torch.fx.Node, user: torch.fx.Node) -> int:
        index = self.env.get(source)
        if not isinstance(index, int) or not isinstance(
            self.method.values[index], (ir.IntValue, ir.DoubleValue, ir.BoolValue)
        ):
            raise ExportError(
                f"'{source.name}' used at {source_of(user)} is a dynamic size Ember did not "
                "compute (data-dependent, such as a tensor's item()). Remedy: keep this value "
                "static"
            )
        return index

    def _size_tensor(self, value: torch.fx.Node, node: torch.fx.Node) -> int:
        """A dynamic size where an op without a Scalar overload wants a Tensor: a 0-dim tensor
        made from it at run time (aten::scalar_tensor, as ExecuTorch's exporter does)."""
        sym = value.meta["val"]
        dtype = torch.bool if isinstance(sym, torch.SymBool) else \
            torch.float32 if isinstance(sym, torch.SymFloat) else torch.int64
        out = self.method.add(ir.TensorValue(dtype=dtype, sizes=(), name=f"{value.name}.tensor"))
        self.method.instructions.append(
            ir.KernelCall(op_name="aten::scalar_tensor", overload="out",
                          args=[self._symbolic_index(value, node), out, out],
                          source=source_of(node), origin=origin_of(node))
        )
        return out

    def _kernel_call(self, node: torch.fx.Node, op: torch._ops.OpOverload,
                     call_args: Optional[tuple] = None, call_kwargs: Optional[dict] = None,
                     val: Any = None) -> None:
        """The kernel call of `node`, calling `op` on its args and kwargs (or those given, with
        the result `val`: _state_update)."""
        if call_args is None:
            call_args, call_kwargs, val = node.args, node.kwargs, node.meta.get("val")
        functional = FOREIGN_OPS.get(op._schema.name) or copy_op_for_view(op)
        # Python numbers (or dynamic sizes) passed where the schema says Tensor (core ATen's
        # `add.Tensor(x, 3)`, `x / x.shape[0]`): use the Scalar overload if there is one, else
        # a number becomes a 0-dim constant tensor and a size a 0-dim tensor made at run time.
        numbers = {
            a.name
            for a, v in zip(functional._schema.arguments, call_args)
            if isinstance(a.type, torch.TensorType)
            and (isinstance(v, (bool, int, float)) or _is_symbolic(v))
        }
        if numbers:
            functional = scalar_overload(functional, numbers) or functional
        out_op = find_out_variant(functional)
        if out_op is None:
            raise unsupported(
                op, node, "torch has no out variant of it, which Ember needs to write its "
                "result into planned memory")

        # The functional call's arguments by name.
        given: dict[str, Any] = {}
        for arg_schema, value in zip(functional._schema.arguments, call_args):
            given[arg_schema.name] = value
        given.update(call_kwargs or {})

        # Fresh planned tensors for what the op returns.
        out_schemas = [a for a in out_op._schema.arguments if a.is_out]
        results = val if len(out_schemas) > 1 else (val,)
        if not isinstance(results, (list, tuple)) or len(results) != len(out_schemas):
            raise unsupported(op, node, "unexpected result structure")
        out_values: list[int] = []  # per out argument: a tensor or a TensorList index
        produced: list[int] = []  # what getitem sees
        for k, (arg_schema, result) in enumerate(zip(out_schemas, results)):
            if isinstance(arg_schema.type, torch.ListType):
                members = [
                    self._new_tensor(t, node, f"{node.name}[{i}]") for i, t in enumerate(result)
                ]
                out_values.append(self.method.add(ir.TensorListValue(list(members))))
                produced.extend(members)
            else:
                if not isinstance(result, torch.Tensor):
                    raise unsupported(op, node, "an output is not a tensor")
                suffix = f"[{k}]" if len(out_schemas) > 1 else ""
                index = self._new_tensor(result, node, node.name + suffix)
                out_values.append(index)
                produced.append(index)

        args: list[int] = []
        outs_seen = 0
        for arg_schema in out_op._schema.arguments:
            if arg_schema.is_out:
                args.append(out_values[outs_seen])
                outs_seen += 1
                continue
            if arg_schema.name in given:
                value = given[arg_schema.name]
            elif arg_schema.has_default_value():
                value = arg_schema.default_value
            elif isinstance(arg_schema.type, torch.OptionalType):
                value = None
            else:
                raise unsupported(op, node, f"missing argument '{arg_schema.name}'")
            args.append(self._encode(arg_schema, value, node))

        # Returns, as ExecuTorch's emitter writes them.
        if len(out_values) == 1:
            single = self.method.values[out_values[0]]
            if isinstance(single, ir.TensorListValue):
                args.append(self.method.add(ir.TensorListValue(list(single.items))))
            else:
                args.append(out_values[0])
        else:
            args.append(self.method.add(ir.TensorListValue(list(out_values))))

        self.method.instructions.append(
            ir.KernelCall(
                op_name=file_op_name(out_op._schema.name),
                overload=out_op._schema.overload_name,
                args=args,
                source=source_of(node),
                origin=origin_of(node),
            )
        )
        returns_list = isinstance(val, (list, tuple))
        self.env[node] = tuple(produced) if returns_list else produced[0]

    # -- values ----------------------------------------------------------------------------

    def _new_tensor(self, fake: Any, node: torch.fx.Node, name: str) -> int:
        if not isinstance(fake, torch.Tensor):
            raise ExportError(f"'{name}' at {source_of(node)} is not a tensor")
        if fake.dtype not in ir.SCALAR_TYPE_CODES:
            raise ExportError(
                f"unsupported dtype {fake.dtype} of '{name}', from {describe(node, node.target)}. "
                f"Remedy: {_dtype_remedy(fake.dtype)}"
            )
        sizes, dynamic = _sizes(fake, node)
        return self.method.add(ir.TensorValue(dtype=fake.dtype, sizes=sizes, name=name,
                                              dim_order=self._dim_order(node, len(sizes)),
                                              dynamic=dynamic))

    def _dim_order(self, node: torch.fx.Node, rank: int) -> tuple[int, ...]:
        """The dim order of what `node` writes (int8_dim_order), an operand's read from the
        value it was lowered to."""
        def operand_order(arg: Any) -> tuple[int, ...]:
            index = self.env.get(arg)
            value = self.method.values[index] if isinstance(index, int) else None
            return value.dim_order if isinstance(value, ir.TensorValue) else ()

        return int8_dim_order(node, rank, operand_order)

    def _tensor_index(self, source: torch.fx.Node, user: torch.fx.Node) -> int:
        if source in self.constant_tensors and source not in self.env:
            tensor = self.constant_tensors[source]
            if tensor.dtype not in ir.SCALAR_TYPE_CODES:
                raise ExportError(
                    f"unsupported dtype {tensor.dtype} for constant '{source}' used at "
                    f"{source_of(user)}. Remedy: {_dtype_remedy(tensor.dtype)}"
                )
            value = ir.TensorValue(
                dtype=tensor.dtype,
                sizes=tuple(tensor.shape),
                constant_index=self.constants.add(tensor_bytes(tensor)),
                name=str(source.target) if source.op == "get_attr" else source.name,
            )
            self.env[source] = self.method.add(value)
        index = self.env.get(source)
        if not isinstance(index, int) or not isinstance(
            self.method.values[index], ir.TensorValue
        ):
            raise ExportError(
                f"'{source.name}' used at {source_of(user)} is not a tensor Ember can pass "
                "(a symbolic value or a dropped check)"
            )
        return index

    def _encode(self, arg_schema: Any, value: Any, node: torch.fx.Node) -> int:
        """Adds the value for one schema argument to the table, returning its index."""
        if _is_symbolic(value):
            if isinstance(_unoptional(arg_schema.type), torch.TensorType):
                return self._size_tensor(value, node)
            return self._symbolic_index(value, node)
        if isinstance(value, torch.fx.Node):
            return self._tensor_index(value, node)
        tensor_type = arg_schema.type
        if isinstance(tensor_type, torch.OptionalType):
            tensor_type = tensor_type.getElementType()
        if isinstance(tensor_type, torch.TensorType) and isinstance(value, (bool, int, float)):
            # A number where a Tensor is expected, with no Scalar overload: a 0-dim constant.
            constant = torch.tensor(value)
            return self.method.add(
                ir.TensorValue(
                    dtype=constant.dtype,
                    sizes=(),
                    constant_index=self.constants.add(tensor_bytes(constant)),
                    name=f"{node.name}.{arg_schema.name}",
                )
            )
        if value is None and isinstance(arg_schema.type, torch.TensorType):
            # A required Tensor given as None: ExecuTorch passes an empty uint8 tensor.
            return self.method.add(ir.TensorValue(dtype=torch.uint8, sizes=(0,), name="empty"))
        return self._encode_python(value, arg_schema, node)

    def _encode_python(self, value: Any, arg_schema: Any, node: torch.fx.Node) -> int:
        if value is None:
            return self.method.add(ir.NullValue())
        if isinstance(value, torch.dtype):
            if value not in ir.SCALAR_TYPE_CODES:
                raise ExportError(f"unsupported dtype {value} at {source_of(node)}")
            return self.method.add(ir.IntValue(ir.SCALAR_TYPE_CODES[value]))
        if isinstance(value, torch.memory_format):
            if value not in ir.MEMORY_FORMAT_CODES:
                raise ExportError(f"unsupported memory format {value} at {source_of(node)}")
            return self.method.add(ir.IntValue(ir.MEMORY_FORMAT_CODES[value]))
        if isinstance(value, torch.layout):
            if value not in ir.LAYOUT_CODES:
                raise ExportError(f"unsupported layout {value} at {source_of(node)}")
            return self.method.add(ir.IntValue(ir.LAYOUT_CODES[value]))

        schema_type = arg_schema.type if arg_schema is not None else None
        if isinstance(schema_type, torch.OptionalType):
            schema_type = schema_type.getElementType()
        if isinstance(schema_type, torch.ListType) or isinstance(value, (list, tuple)):
            return self._encode_list(value, arg_schema, schema_type, node)
        if isinstance(value, bool):
            return self.method.add(ir.BoolValue(value))
        if isinstance(value, int):
            if isinstance(schema_type, torch.FloatType):
                return self.method.add(ir.DoubleValue(float(value)))
            return self.method.add(ir.IntValue(value))
        if isinstance(value, float):
            return self.method.add(ir.DoubleValue(value))
        if isinstance(value, str):
            return self.method.add(ir.StringValue(value))
        raise ExportError(
            f"cannot encode argument {value!r} ({type(value).__name__}) of {node.target} "
            f"at {source_of(node)}"
        )

    def _encode_list(
        self, value: Any, arg_schema: Any, list_type: Any, node: torch.fx.Node
    ) -> int:
        if not isinstance(value, (list, tuple)):
            # "int[2] padding=0": a scalar broadcast to the fixed size.
            size = getattr(arg_schema, "N", None) or 1
            value = [value] * size
        elem = list_type.getElementType() if isinstance(list_type, torch.ListType) else None
        if elem is None:
            elem = _infer_elem_type(value)
        if isinstance(elem, torch.TensorType):
            return self.method.add(
                ir.TensorListValue([self._tensor_index(v, node) for v in value])
            )
        if isinstance(elem, torch.OptionalType):
            items = [
                self.method.add(ir.NullValue()) if v is None else self._tensor_index(v, node)
                for v in value
            ]
            return self.method.add(ir.OptionalTensorListValue(items))
        if isinstance(elem, (torch.IntType, torch.SymIntType)):
            items = []
            for v in value:
                if _is_symbolic(v):  # a dynamic size: the Int value its kernel call writes
                    items.append(self._symbolic_index(v, node))
                    continue
                if not isinstance(v, int) or isinstance(v, bool):
                    raise ExportError(
                        f"non-int size {v!r} in {node.target} at {source_of(node)}"
                    )
                items.append(self.method.add(ir.IntValue(v)))
            return self.method.add(ir.IntListValue(items))
        if isinstance(elem, torch.FloatType):
            return self.method.add(ir.DoubleListValue([float(v) for v in value]))
        if isinstance(elem, torch.BoolType):
            return self.method.add(ir.BoolListValue([bool(v) for v in value]))
        raise ExportError(f"cannot encode list {value!r} of {node.target} at {source_of(node)}")


def _unoptional(schema_type: Any) -> Any:
    return schema_type.getElementType() if isinstance(schema_type, torch.OptionalType) else schema_type


def _infer_elem_type(values: Any) -> Any:
    if all(isinstance(v, torch.fx.Node) for v in values):
        return torch.TensorType.get()
    if all(isinstance(v, bool) for v in values):
        return torch.BoolType.get()
    if all(isinstance(v, int) for v in values):
        return torch.IntType.get()
    return torch.FloatType.get()


def lower(
    exported: torch.export.ExportedProgram, name: str, constants: ir.ConstantTable
) -> ir.Method:
    """Lowers one captured program to the method `name`, adding its constants to `constants`."""
    return _Lowerer(exported, name, constants).run()
