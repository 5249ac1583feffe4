"""The exporter's in-memory program: what `lower` produces, `plan` annotates and `emit` writes.

It mirrors the .pte schema closely (see docs/pte-format.md): a method is a value table, a list
of instructions whose args index that table, and the indices of its inputs and outputs. Values
are plain dataclasses, one per `KernelTypes` member; `emit` switches on their class.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Optional, Union

import torch

# ExecuTorch's ScalarType codes (schema/scalar_type.fbs), keyed by torch dtype.
SCALAR_TYPE_CODES: dict[torch.dtype, int] = {
    torch.uint8: 0,
    torch.int8: 1,
    torch.int16: 2,
    torch.int32: 3,
    torch.int64: 4,
    torch.float16: 5,
    torch.float32: 6,
    torch.float64: 7,
    torch.bool: 11,
    torch.qint8: 12,
    torch.quint8: 13,
    torch.qint32: 14,
    torch.bfloat16: 15,
    torch.quint4x2: 16,
    torch.quint2x4: 17,
    torch.bits16: 22,
    torch.float8_e5m2: 23,
    torch.float8_e4m3fn: 24,
    torch.float8_e5m2fnuz: 25,
    torch.float8_e4m3fnuz: 26,
    torch.uint16: 27,
    torch.uint32: 28,
    torch.uint64: 29,
}

# torch.memory_format and torch.layout arguments are serialized as Int, as ExecuTorch does.
MEMORY_FORMAT_CODES: dict[torch.memory_format, int] = {
    torch.contiguous_format: 0,
    torch.preserve_format: 1,
    # Only a layout request: Ember plans every tensor contiguous and copies values (op_copy.c).
    torch.channels_last: 2,
    torch.channels_last_3d: 3,
}
LAYOUT_CODES: dict[torch.layout, int] = {torch.strided: 0}

# Planned tensors and constant tensor data are aligned to this many bytes (ExecuTorch's default).
TENSOR_ALIGNMENT = 16


def align_up(n: int, alignment: int) -> int:
    return (n + alignment - 1) // alignment * alignment


def dtype_name(dtype: torch.dtype) -> str:
    return str(dtype).removeprefix("torch.")


@dataclass
class TensorValue:
    """A tensor: constant (`constant_index` > 0 names its bytes in the program's constant
    table) or planned (`mem_id`/`mem_offset` set by the planner)."""

    dtype: torch.dtype
    sizes: tuple[int, ...]
    constant_index: int = 0
    mem_id: int = 0
    mem_offset: Optional[int] = None
    name: str = ""  # for reports and errors: the fx node or parameter name
    # the order of the dims in memory, outermost first; () is contiguous (0, 1, 2, ...).
    # (0, 2, 3, 1): an NCHW tensor stored channels-last (int8 programs' convolutions)
    dim_order: tuple[int, ...] = ()
    # sizes is the upper bound of a dynamic dim (torch.export's Dim(max=...)): the file marks the
    # tensor DYNAMIC_BOUND and the runtime lets it take any sizes of its rank that fit
    dynamic: bool = False
    # program state (a buffer the model updates in place: a KV cache): planned, and its bytes
    # belong to it alone for the method's whole life, across executes; `initial_index` > 0
    # names its starting bytes in the constant table (copied in at load), 0 leaves them unset
    state: bool = False
    initial_index: int = 0

    @property
    def nbytes(self) -> int:
        n = torch.tensor([], dtype=self.dtype).element_size()
        for s in self.sizes:
            n *= s
        return n

    @property
    def is_constant(self) -> bool:
        return self.constant_index > 0


@dataclass
class NullValue:
    pass


@dataclass
class IntValue:
    value: int


@dataclass
class DoubleValue:
    value: float


@dataclass
class BoolValue:
    value: bool


@dataclass
class StringValue:
    value: str


@dataclass
class IntListValue:
    items: list[int]  # value indices of IntValues (a boxed list)


@dataclass
class DoubleListValue:
    items: list[float]


@dataclass
class BoolListValue:
    items: list[bool]


@dataclass
class TensorListValue:
    items: list[int]  # value indices of TensorValues


@dataclass
class OptionalTensorListValue:
    items: list[int]  # value indices of TensorValues or NullValues


Value = Union[
    TensorValue,
    NullValue,
    IntValue,
    DoubleValue,
    BoolValue,
    StringValue,
    IntListValue,
    DoubleListValue,
    BoolListValue,
    TensorListValue,
    OptionalTensorListValue,
]


@dataclass
class KernelCall:
    """One instruction: run operator `op_name`.`overload` on `args` (value indices)."""

    op_name: str  # "aten::add"
    overload: str  # "out"; "" for a default overload
    args: list[int]
    backend: str = "portable"  # who runs it, for the report
    source: str = ""  # the model line that produced it, for the report and errors
    origin: str = ""  # the user-level op a decomposition made it from ("torch.roll"), if other

    @property
    def full_name(self) -> str:
        return f"{self.op_name}.{self.overload}" if self.overload else self.op_name


@dataclass
class Delegate:
    """A subgraph handed to a backend: `backend_id` names the runtime backend that runs it,
    `blob` is what the backend's preprocess produced (stored inline in the program)."""

    backend_id: str
    blob: bytes
    compile_specs: list[tuple[str, bytes]] = field(default_factory=list)


@dataclass
class DelegateCall:
    """Run delegate `delegate_index` of the method on `args` (value indices, the backend's
    inputs then outputs)."""

    delegate_index: int
    args: list[int]
    backend: str = ""  # the delegate's backend id, for the report


@dataclass
class MoveCall:
    """values[move_to] = values[move_from]."""

    move_from: int
    move_to: int

    @property
    def args(self) -> list[int]:
        return [self.move_from, self.move_to]


@dataclass
class JumpFalseCall:
    """Jump to instruction `destination` (index in the chain) when the Bool value is false."""

    cond: int
    destination: int

    @property
    def args(self) -> list[int]:
        return [self.cond]


@dataclass
class FreeCall:
    """The value's memory may be released (a no-op for planned memory)."""

    value: int

    @property
    def args(self) -> list[int]:
        return [self.value]


Instruction = Union[KernelCall, DelegateCall, MoveCall, JumpFalseCall, FreeCall]


@dataclass
class Fold:
    """A constant subgraph computed at export (python/ember/fold.py), for the report."""

    outputs: list[str]  # the fx nodes whose values are stored
    ops: list[str]  # the ops folded away ("arange.start_step x2", "cos.default")
    source: str  # the model line of the first output
    stored_bytes: int  # new constant bytes (identical bytes already stored cost nothing)
    freed_bytes: int  # constant inputs that nothing reads any more


@dataclass
class SkippedFold:
    """A constant subgraph (or its last part) left to execute time by the size rule."""

    outputs: list[str]
    ops: list[str]
    source: str
    bytes: int  # what storing its outputs would have cost
    reason: str


@dataclass
class Method:
    """One entry point of the program (one ExecutionPlan)."""

    name: str
    values: list[Value] = field(default_factory=list)
    inputs: list[int] = field(default_factory=list)
    outputs: list[int] = field(default_factory=list)
    instructions: list[Instruction] = field(default_factory=list)
    delegates: list[Delegate] = field(default_factory=list)
    encoded_inp_str: str = ""
    encoded_out_str: str = ""
    # Filled by the planner: bytes per memory id (index 0 is reserved and always 0), and the
    # sum of every planned tensor's aligned size (what planning without reuse would need).
    non_const_buffer_sizes: list[int] = field(default_factory=lambda: [0])
    naive_planned_bytes: int = 0
    # Filled by passes.alias_views: tensor → the tensor whose memory it shares (a view whose
    # copy was dropped). The planner gives both one slot.
    aliases: dict[int, int] = field(default_factory=dict)
    # Filled by the fold stage: what was computed at export, and what was left to run.
    folds: list[Fold] = field(default_factory=list)
    skipped_folds: list[SkippedFold] = field(default_factory=list)

    def add(self, value: Value) -> int:
        self.values.append(value)
        return len(self.values) - 1


class ConstantTable:
    """The program's constant tensor bytes. Entry 0 is the reserved empty placeholder that
    non-constant tensors point at; identical tensors share one entry."""

    def __init__(self) -> None:
        self.buffers: list[bytes] = [b""]
        self._by_hash: dict[str, int] = {}

    def add(self, data: bytes) -> int:
        key = hashlib.sha256(data).hexdigest()
        index = self._by_hash.get(key)
        if index is None:
            index = len(self.buffers)
            self.buffers.append(data)
            self._by_hash[key] = index
        return index

    def has_hash(self, key: str) -> bool:
        """Whether bytes with this sha256 hex digest are stored already."""
        return key in self._by_hash

    @property
    def total_bytes(self) -> int:
        return sum(len(b) for b in self.buffers)


@dataclass
class Program:
    methods: list[Method]
    constants: ConstantTable
