"""Stage 6, emit: an `ir.Program` → the bytes of an ET12 .pte file.

Layout (docs/pte-format.md): the Program flatbuffer with the 32-byte `eh00` extended header
spliced in after its root offset and `ET12` identifier, then, at the next 128-byte boundary,
one data segment holding every constant tensor (each starting 16-byte aligned).

Tables are written with flatbuffers.Builder directly, field by field. A field's slot is its
position in schema/program.fbs (a union takes two: its type byte, then its value). The Builder
builds back to front, so children are finished before the table that points at them, and
vector items are prepended in reverse.
"""

from __future__ import annotations

import math
import struct
from typing import Callable, Sequence

import flatbuffers

from . import ir

FILE_IDENTIFIER = b"ET12"
HEADER_MAGIC = b"eh00"
HEADER_LENGTH = 32
SEGMENT_ALIGNMENT = 128

# Union type tags: KernelTypes and InstructionArguments.
_NULL, _INT, _BOOL, _DOUBLE, _TENSOR, _STRING = 1, 2, 3, 4, 5, 6
_INT_LIST, _DOUBLE_LIST, _BOOL_LIST, _TENSOR_LIST, _OPTIONAL_TENSOR_LIST = 7, 8, 9, 10, 11
_KERNEL_CALL, _DELEGATE_CALL, _MOVE_CALL, _JUMP_FALSE_CALL, _FREE_CALL = 1, 2, 3, 4, 5
_INLINE = 0


def _vector(
    b: flatbuffers.Builder,
    items: Sequence,
    size: int,
    prepend: Callable,
) -> int:
    b.StartVector(size, len(items), size)
    for item in reversed(items):
        prepend(item)
    return b.EndVector()


def _int32s(b: flatbuffers.Builder, items: Sequence[int]) -> int:
    return _vector(b, items, 4, b.PrependInt32)


def _int64s(b: flatbuffers.Builder, items: Sequence[int]) -> int:
    return _vector(b, items, 8, b.PrependInt64)


def _uint64s(b: flatbuffers.Builder, items: Sequence[int]) -> int:
    return _vector(b, items, 8, b.PrependUint64)


def _tables(b: flatbuffers.Builder, offsets: Sequence[int]) -> int:
    return _vector(b, offsets, 4, b.PrependUOffsetTRelative)


def _tensor(b: flatbuffers.Builder, t: ir.TensorValue) -> int:
    sizes = _int32s(b, list(t.sizes))
    dim_order = _vector(b, list(t.dim_order or range(len(t.sizes))), 1, b.PrependUint8)
    allocation = 0
    if t.mem_offset is not None:
        b.StartObject(3)  # AllocationDetails
        b.PrependUint32Slot(0, t.mem_id, 0)
        b.PrependUint32Slot(1, t.mem_offset & 0xFFFFFFFF, 0)
        b.PrependUint32Slot(2, t.mem_offset >> 32, 0)
        allocation = b.EndObject()
    b.StartObject(10)  # Tensor
    b.PrependInt8Slot(0, ir.SCALAR_TYPE_CODES[t.dtype], 0)  # scalar_type
    b.PrependInt32Slot(1, 0, 0)  # storage_offset
    b.PrependUOffsetTRelativeSlot(2, sizes, 0)
    b.PrependUOffsetTRelativeSlot(3, dim_order, 0)
    b.PrependBoolSlot(4, False, False)  # requires_grad
    b.PrependUint32Slot(5, t.constant_index or t.initial_index, 0)  # data_buffer_idx
    if allocation:
        b.PrependUOffsetTRelativeSlot(6, allocation, 0)
    b.PrependInt8Slot(7, 0, 0)  # layout: strided
    b.PrependInt8Slot(8, 1 if t.dynamic else 0, 0)  # shape_dynamism: DYNAMIC_BOUND or STATIC
    return b.EndObject()


def _value_payload(b: flatbuffers.Builder, v: ir.Value) -> tuple[int, int]:
    """Builds the union member table for `v`; returns (type tag, offset)."""
    if isinstance(v, ir.TensorValue):
        return _TENSOR, _tensor(b, v)
    if isinstance(v, ir.NullValue):
        b.StartObject(0)
        return _NULL, b.EndObject()
    if isinstance(v, ir.IntValue):
        b.StartObject(1)
        b.PrependInt64Slot(0, v.value, 0)
        return _INT, b.EndObject()
    if isinstance(v, ir.BoolValue):
        b.StartObject(1)
        b.PrependBoolSlot(0, v.value, False)
        return _BOOL, b.EndObject()
    if isinstance(v, ir.DoubleValue):
        b.StartObject(1)
        # A field equal to its default is left out, and -0.0 == 0.0: write a negative zero
        # explicitly, or the file would read back +0.0 (F.pad(value=-0.0) keeps its sign).
        negative_zero = v.value == 0.0 and math.copysign(1.0, v.value) < 0
        b.ForceDefaults(negative_zero)
        b.PrependFloat64Slot(0, v.value, 0.0)
        b.ForceDefaults(False)
        return _DOUBLE, b.EndObject()
    if isinstance(v, ir.StringValue):
        s = b.CreateString(v.value)
        b.StartObject(1)
        b.PrependUOffsetTRelativeSlot(0, s, 0)
        return _STRING, b.EndObject()
    if isinstance(v, ir.IntListValue):
        tag, items = _INT_LIST, _int64s(b, v.items)
    elif isinstance(v, ir.DoubleListValue):
        tag, items = _DOUBLE_LIST, _vector(b, v.items, 8, b.PrependFloat64)
    elif isinstance(v, ir.BoolListValue):
        tag, items = _BOOL_LIST, _vector(b, v.items, 1, b.PrependBool)
    elif isinstance(v, ir.TensorListValue):
        tag, items = _TENSOR_LIST, _int32s(b, v.items)
    elif isinstance(v, ir.OptionalTensorListValue):
        tag, items = _OPTIONAL_TENSOR_LIST, _int32s(b, v.items)
    else:
        raise TypeError(f"unknown value {v!r}")
    b.StartObject(1)
    b.PrependUOffsetTRelativeSlot(0, items, 0)
    return tag, b.EndObject()


def _evalue(b: flatbuffers.Builder, v: ir.Value) -> int:
    tag, payload = _value_payload(b, v)
    b.StartObject(2)  # EValue
    b.PrependUint8Slot(0, tag, 0)
    b.PrependUOffsetTRelativeSlot(1, payload, 0)
    return b.EndObject()


def _operators(method: ir.Method) -> tuple[list[tuple[str, str]], list[int]]:
    """The method's distinct operators in first-use order, and each instruction's op index."""
    table: list[tuple[str, str]] = []
    index_of: dict[tuple[str, str], int] = {}
    op_indices = []
    for call in method.instructions:
        if not isinstance(call, ir.KernelCall):
            op_indices.append(-1)
            continue
        key = (call.op_name, call.overload)
        if key not in index_of:
            index_of[key] = len(table)
            table.append(key)
        op_indices.append(index_of[key])
    return table, op_indices


def _instruction_args(b: flatbuffers.Builder, call: ir.Instruction, op_index: int) -> tuple[int, int]:
    """The InstructionArguments union member for one instruction: (type tag, table)."""
    if isinstance(call, ir.KernelCall):
        args = _int32s(b, call.args)
        b.StartObject(2)  # KernelCall
        b.PrependInt32Slot(0, op_index, 0)
        b.PrependUOffsetTRelativeSlot(1, args, 0)
        return _KERNEL_CALL, b.EndObject()
    if isinstance(call, ir.DelegateCall):
        args = _int32s(b, call.args)
        b.StartObject(2)  # DelegateCall
        b.PrependInt32Slot(0, call.delegate_index, 0)
        b.PrependUOffsetTRelativeSlot(1, args, 0)
        return _DELEGATE_CALL, b.EndObject()
    if isinstance(call, ir.MoveCall):
        b.StartObject(2)  # MoveCall
        b.PrependInt32Slot(0, call.move_from, 0)
        b.PrependInt32Slot(1, call.move_to, 0)
        return _MOVE_CALL, b.EndObject()
    if isinstance(call, ir.JumpFalseCall):
        b.StartObject(2)  # JumpFalseCall
        b.PrependInt32Slot(0, call.cond, 0)
        b.PrependInt32Slot(1, call.destination, 0)
        return _JUMP_FALSE_CALL, b.EndObject()
    if isinstance(call, ir.FreeCall):
        b.StartObject(1)  # FreeCall
        b.PrependInt32Slot(0, call.value, 0)
        return _FREE_CALL, b.EndObject()
    raise TypeError(f"unknown instruction {call!r}")


def _aligned_bytes(b: flatbuffers.Builder, data: bytes) -> int:
    """A [ubyte] vector whose first byte is 16-byte aligned (as the schema's force_align asks),
    copied in one slice like Builder.CreateByteVector, which cannot align."""
    b.StartVector(1, len(data), ir.TENSOR_ALIGNMENT)
    b.head = b.head - len(data)
    b.Bytes[b.head : b.head + len(data)] = data
    return b.EndVector()


def _delegate(b: flatbuffers.Builder, d: ir.Delegate, data_index: int) -> int:
    """A BackendDelegate whose processed blob is inline data `data_index`."""
    specs = []
    for key, value in d.compile_specs:
        key_off = b.CreateString(key)
        value_off = b.CreateByteVector(value)
        b.StartObject(2)  # CompileSpec
        b.PrependUOffsetTRelativeSlot(0, key_off, 0)
        b.PrependUOffsetTRelativeSlot(1, value_off, 0)
        specs.append(b.EndObject())
    specs_vec = _tables(b, specs)
    b.StartObject(2)  # BackendDelegateDataReference
    b.PrependUint8Slot(0, _INLINE, 0)
    b.PrependUint32Slot(1, data_index, 0)
    processed = b.EndObject()
    backend_id = b.CreateString(d.backend_id)
    b.StartObject(3)  # BackendDelegate
    b.PrependUOffsetTRelativeSlot(0, backend_id, 0)
    b.PrependUOffsetTRelativeSlot(1, processed, 0)
    b.PrependUOffsetTRelativeSlot(2, specs_vec, 0)
    return b.EndObject()


def _inline_data(b: flatbuffers.Builder, blob: bytes) -> int:
    """A BackendDelegateInlineData whose bytes start 16-byte aligned."""
    data = _aligned_bytes(b, blob)
    b.StartObject(1)
    b.PrependUOffsetTRelativeSlot(0, data, 0)
    return b.EndObject()


def _execution_plan(b: flatbuffers.Builder, method: ir.Method, delegate_data_indices: list[int]) -> int:
    values = _tables(b, [_evalue(b, v) for v in method.values])

    operator_table, op_indices = _operators(method)
    instructions = []
    for call, op_index in zip(method.instructions, op_indices):
        kind, payload = _instruction_args(b, call, op_index)
        b.StartObject(2)  # Instruction
        b.PrependUint8Slot(0, kind, 0)
        b.PrependUOffsetTRelativeSlot(1, payload, 0)
        instructions.append(b.EndObject())
    instructions_vec = _tables(b, instructions)

    chain_inputs = _int32s(b, method.inputs)
    chain_outputs = _int32s(b, method.outputs)
    b.StartObject(4)  # Chain
    b.PrependUOffsetTRelativeSlot(0, chain_inputs, 0)
    b.PrependUOffsetTRelativeSlot(1, chain_outputs, 0)
    b.PrependUOffsetTRelativeSlot(2, instructions_vec, 0)
    chains = _tables(b, [b.EndObject()])

    operators = []
    for name, overload in operator_table:
        name_off = b.CreateString(name)
        overload_off = b.CreateString(overload)
        b.StartObject(2)  # Operator
        b.PrependUOffsetTRelativeSlot(0, name_off, 0)
        b.PrependUOffsetTRelativeSlot(1, overload_off, 0)
        operators.append(b.EndObject())
    operators_vec = _tables(b, operators)

    inp = b.CreateString(method.encoded_inp_str)
    out = b.CreateString(method.encoded_out_str)
    b.StartObject(2)  # ContainerMetadata
    b.PrependUOffsetTRelativeSlot(0, inp, 0)
    b.PrependUOffsetTRelativeSlot(1, out, 0)
    container = b.EndObject()

    name = b.CreateString(method.name)
    inputs = _int32s(b, method.inputs)
    outputs = _int32s(b, method.outputs)
    delegates = _tables(b, [_delegate(b, d, index) for d, index in zip(method.delegates, delegate_data_indices)])
    buffer_sizes = _int64s(b, method.non_const_buffer_sizes)

    b.StartObject(10)  # ExecutionPlan
    b.PrependUOffsetTRelativeSlot(0, name, 0)
    b.PrependUOffsetTRelativeSlot(1, container, 0)
    b.PrependUOffsetTRelativeSlot(2, values, 0)
    b.PrependUOffsetTRelativeSlot(3, inputs, 0)
    b.PrependUOffsetTRelativeSlot(4, outputs, 0)
    b.PrependUOffsetTRelativeSlot(5, chains, 0)
    b.PrependUOffsetTRelativeSlot(6, operators_vec, 0)
    b.PrependUOffsetTRelativeSlot(7, delegates, 0)
    b.PrependUOffsetTRelativeSlot(8, buffer_sizes, 0)
    return b.EndObject()


def constant_segment(buffers: Sequence[bytes]) -> tuple[bytes, list[int]]:
    """Concatenates constant buffers, each starting at a multiple of the tensor alignment
    (no padding after the last), and returns the data with each buffer's offset."""
    data = bytearray()
    offsets = []
    for i, buf in enumerate(buffers):
        offsets.append(len(data))
        data += buf
        if i < len(buffers) - 1:
            data += bytes(ir.align_up(len(data), ir.TENSOR_ALIGNMENT) - len(data))
    return bytes(data), offsets


def _buffer(b: flatbuffers.Builder, data: bytes) -> int:
    """A legacy inline constant: Buffer{storage} with its bytes 16-byte aligned."""
    storage = _aligned_bytes(b, data)
    b.StartObject(1)
    b.PrependUOffsetTRelativeSlot(0, storage, 0)
    return b.EndObject()


def _program_flatbuffer(program: ir.Program, segment_size: int, offsets: list[int],
                        inline_constants: bool = False) -> bytes:
    b = flatbuffers.Builder(1024)
    # Every method's delegate blobs go, in order, into the program's inline delegate data.
    inline_blobs: list[bytes] = []
    plan_offsets = []
    for m in program.methods:
        indices = list(range(len(inline_blobs), len(inline_blobs) + len(m.delegates)))
        inline_blobs += [d.blob for d in m.delegates]
        plan_offsets.append(_execution_plan(b, m, indices))
    plans = _tables(b, plan_offsets)
    # Legacy files keep constants inline in constant_buffer (entry 0 the empty placeholder);
    # current ones leave it empty and use the constant segment.
    legacy = [_buffer(b, data) for data in program.constants.buffers] if inline_constants else []
    constant_buffer = _tables(b, legacy)
    delegate_data = _tables(b, [_inline_data(b, blob) for blob in inline_blobs])

    constant_segment_off = 0
    segments = _tables(b, [])
    if not inline_constants:
        b.StartObject(2)  # DataSegment: the constant segment, first after the segment base
        b.PrependUint64Slot(0, 0, 0)
        b.PrependUint64Slot(1, segment_size, 0)
        segments = _tables(b, [b.EndObject()])

        offsets_vec = _uint64s(b, offsets)
        b.StartObject(2)  # SubsegmentOffsets
        b.PrependUint32Slot(0, 0, 0)  # segment_index
        b.PrependUOffsetTRelativeSlot(1, offsets_vec, 0)
        constant_segment_off = b.EndObject()

    b.StartObject(8)  # Program
    b.PrependUint32Slot(0, 0, 0)  # version
    b.PrependUOffsetTRelativeSlot(1, plans, 0)
    b.PrependUOffsetTRelativeSlot(2, constant_buffer, 0)
    b.PrependUOffsetTRelativeSlot(3, delegate_data, 0)
    b.PrependUOffsetTRelativeSlot(4, segments, 0)
    if constant_segment_off:
        b.PrependUOffsetTRelativeSlot(5, constant_segment_off, 0)
    root = b.EndObject()
    b.Finish(root, file_identifier=FILE_IDENTIFIER)
    return bytes(b.Output())


def emit(program: ir.Program, inline_constants: bool = False) -> bytes:
    """The complete .pte file for `program` (already lowered and planned).
    `inline_constants` writes the legacy layout instead: constants inside the flatbuffer's
    constant_buffer, no segments and no extended header (older ExecuTorch files look so)."""
    if inline_constants:
        return _program_flatbuffer(program, 0, [], inline_constants=True)
    segment, offsets = constant_segment(program.constants.buffers)
    flatbuffer = _program_flatbuffer(program, len(segment), offsets)

    program_size = len(flatbuffer) + HEADER_LENGTH
    segment_base = ir.align_up(program_size, SEGMENT_ALIGNMENT)
    header = HEADER_MAGIC + struct.pack(
        "<IQQQ", HEADER_LENGTH, program_size, segment_base, len(segment)
    )
    assert len(header) == HEADER_LENGTH
    # Splice the header in after root offset + identifier; the root offset moves with it.
    (root_offset,) = struct.unpack_from("<I", flatbuffer, 0)
    out = bytearray(struct.pack("<I", root_offset + HEADER_LENGTH))
    out += flatbuffer[4:8]
    out += header
    out += flatbuffer[8:]
    out += bytes(segment_base - len(out))
    out += segment
    return bytes(out)
