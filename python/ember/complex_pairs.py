"""Complex values as real pairs: the pass that lets models with Fourier transforms export.

Ember's runtime has no complex dtype. A model that goes through the complex domain and comes
back out (FNet's `torch.fft.fftn(x).real`, a spectral filter) still exports: every complex
tensor of shape S is carried as a real tensor of shape S + (2,) — exactly what
`torch.view_as_real` shows, real part then imaginary part — and the complex ops are rewritten
into real ones on that layout:

- `_to_copy` of a real tensor to complex: the real part, with a zero imaginary part appended;
- `_fft_c2c` / `_fft_r2c`: one discrete Fourier transform per transformed dim, as a matmul with
  a constant (2n, 2n) matrix of cosines and sines (computed in float64 at export, stored in
  the tensor's real dtype); `_fft_r2c` keeps the first n//2 + 1 frequencies of its last dim
  when one-sided; normalisation as torch's (none, 1/sqrt(n), 1/n);
- `view_as_real` and `view_as_complex`: nothing to do, the layouts are the same.

A DFT as a matmul costs O(n²) per transformed row rather than an FFT's O(n log n), and its
matrix is 16·n² bytes in float32 (a 512-point transform: 4 MiB). Any other op on complex
values is an ExportError saying complex values are not supported yet.
"""

from __future__ import annotations

import math

import torch

from .errors import ExportError
from .lower import NO_OP_PACKETS, source_of

aten = torch.ops.aten


def _meta(t: torch.Tensor) -> torch.Tensor:
    return torch.empty(t.shape, dtype=t.dtype, device="meta")


class _Rewriter:
    def __init__(self, exported: torch.export.ExportedProgram) -> None:
        self.gm = exported.graph_module
        self.graph = exported.graph
        self.pairs: dict[torch.fx.Node, torch.fx.Node] = {}  # complex node → its real pair
        self.matrices: dict[tuple, torch.fx.Node] = {}

    def call(self, op, args: tuple, meta_from: torch.fx.Node, **kwargs) -> torch.fx.Node:
        """A new node computing op(*args, **kwargs), with meta['val'] worked out on meta
        tensors and the rest of its meta (source line) taken from `meta_from`."""
        node = self.graph.call_function(op, args, kwargs)
        vals = torch.fx.node.map_arg(args, lambda n: _meta(n.meta["val"]))
        with torch.no_grad():
            node.meta = {k: v for k, v in meta_from.meta.items() if k != "val"}
            node.meta["val"] = op(*vals, **kwargs)
        return node

    def dft_matrix(self, n: int, norm: int, forward: bool, dtype: torch.dtype,
                   meta_from: torch.fx.Node) -> torch.fx.Node:
        """M (2n, 2n) with y = x @ Mᵀ the DFT of interleaved (re, im) pairs along n."""
        key = (n, norm, forward, dtype)
        if key not in self.matrices:
            k = torch.arange(n, dtype=torch.float64)
            angle = 2.0 * math.pi * torch.outer(k, k).remainder(n) / n
            a, b = torch.cos(angle), torch.sin(angle) * (-1.0 if forward else 1.0)
            m = torch.empty(2 * n, 2 * n, dtype=torch.float64)
            m[0::2, 0::2], m[0::2, 1::2] = a, -b  # re_out = a·re - b·im
            m[1::2, 0::2], m[1::2, 1::2] = b, a   # im_out = b·re + a·im
            m *= {0: 1.0, 1: 1.0 / math.sqrt(n), 2: 1.0 / n}[norm]
            name = f"dft_{n}_{norm}_{int(forward)}_{str(dtype).split('.')[-1]}"
            self.gm.register_buffer(name, m.to(dtype).contiguous(), persistent=False)
            attr = self.graph.get_attr(name)
            attr.meta = {k: v for k, v in meta_from.meta.items() if k != "val"}
            attr.meta["val"] = _meta(getattr(self.gm, name))
            self.matrices[key] = attr
        return self.matrices[key]

    def dft(self, pair: torch.fx.Node, dim: int, norm: int, forward: bool,
            node: torch.fx.Node) -> torch.fx.Node:
        """The DFT of `pair` (shape S + (2,)) along complex dim `dim`."""
        val = pair.meta["val"]
        rank = val.dim() - 1
        dim = dim % rank
        n = val.shape[dim]
        perm = [i for i in range(rank) if i != dim] + [dim, rank]
        x = self.call(aten.permute.default, (pair, perm), node) if dim != rank - 1 else pair
        moved = list(x.meta["val"].shape)
        flat = self.call(aten.reshape.default, (x, moved[:-2] + [2 * n]), node)
        m = self.dft_matrix(n, norm, forward, val.dtype, node)
        y = self.call(aten.linear.default, (flat, m), node)
        y = self.call(aten.reshape.default, (y, moved), node)
        if dim != rank - 1:
            back = [perm.index(i) for i in range(rank + 1)]
            y = self.call(aten.permute.default, (y, back), node)
        return y

    def to_pair(self, x: torch.fx.Node, real_dtype: torch.dtype, node: torch.fx.Node) -> torch.fx.Node:
        """A real tensor as (x, 0) pairs of `real_dtype`."""
        if x.meta["val"].dtype != real_dtype:
            x = self.call(aten._to_copy.default, (x,), node, dtype=real_dtype)
        u = self.call(aten.unsqueeze.default, (x, -1), node)
        return self.call(aten.constant_pad_nd.default, (u, [0, 1], 0.0), node)

    def unsupported(self, node: torch.fx.Node) -> ExportError:
        return ExportError(
            f"{node.target} on complex values at {source_of(node)}: complex tensors are not "
            "supported yet (Ember carries them as real pairs only through Fourier transforms, "
            "view_as_real/view_as_complex and casts from real). Remedy: compute with the real "
            "and imaginary parts as separate real tensors in the model"
        )

    def rewrite(self, node: torch.fx.Node) -> None:
        val = node.meta.get("val")
        t = node.target
        args = node.args
        src = args[0] if args and isinstance(args[0], torch.fx.Node) else None
        with self.graph.inserting_before(node):
            if t == aten._to_copy.default and src not in self.pairs and val.is_complex():
                if set(node.kwargs) - {"dtype"}:
                    raise self.unsupported(node)
                self.pairs[node] = self.to_pair(src, val.real.dtype, node)
            elif t == aten._fft_c2c.default and src in self.pairs:
                _, dims, norm, forward = args
                y = self.pairs[src]
                for d in dims:
                    y = self.dft(y, d, norm, forward, node)
                self.pairs[node] = y
            elif t == aten._fft_r2c.default and src not in self.pairs:
                _, dims, norm, onesided = args
                y = self.to_pair(src, val.real.dtype, node)
                for d in dims:
                    y = self.dft(y, d, norm, True, node)
                if onesided:
                    last = dims[-1] % (val.dim())
                    y = self.call(aten.slice.Tensor, (y, last, 0, val.shape[last]), node)
                self.pairs[node] = y
            elif t == aten.view_as_complex.default and src not in self.pairs:
                self.pairs[node] = src
            elif t == aten.view_as_real.default and src in self.pairs:
                node.replace_all_uses_with(self.pairs[src])
            else:
                raise self.unsupported(node)


def _touches_complex(node: torch.fx.Node, pairs: dict) -> bool:
    val = node.meta.get("val")
    vals = val if isinstance(val, (list, tuple)) else (val,)
    if any(isinstance(v, torch.Tensor) and v.is_complex() for v in vals):
        return True
    return any(n in pairs for n in node.all_input_nodes)


def complex_to_pairs(exported: torch.export.ExportedProgram) -> bool:
    """Rewrites the complex values of `exported`'s graph as real pairs, in place. True if there
    were any. Raises ExportError for a complex op it cannot rewrite, and for complex inputs,
    outputs and constants."""
    graph = exported.graph
    if not any(_touches_complex(n, {}) for n in graph.nodes if n.op != "output"):
        return False
    r = _Rewriter(exported)
    for node in list(graph.nodes):
        if node.op == "output":
            returned: list[torch.fx.Node] = []
            torch.fx.node.map_arg(node.args, returned.append)
            if any(n in r.pairs for n in returned):
                raise ExportError(
                    "the model returns a complex tensor: complex outputs are not supported yet. "
                    "Remedy: return torch.view_as_real(z) (real and imaginary parts as a last "
                    "dim of 2)")
            continue
        if node.op != "call_function":
            if _touches_complex(node, {}):
                raise ExportError(
                    f"complex input or constant '{node.name}': complex tensors are not supported "
                    "yet. Remedy: pass torch.view_as_real(z) and rebuild it in the model")
            continue
        if not _touches_complex(node, r.pairs):
            continue
        if node.target._schema.name.split("::")[-1] in NO_OP_PACKETS:  # a trace-time check
            graph.erase_node(node)
        else:
            r.rewrite(node)
    for node in reversed(list(graph.nodes)):
        if node.op == "call_function" and not node.users and (
            node in r.pairs or node.target == aten.view_as_real.default
        ):
            graph.erase_node(node)
    graph.lint()
    exported.graph_module.recompile()
    return True
