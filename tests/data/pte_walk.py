"""A small, independent FlatBuffers walker for .pte (ET12) and .bpte (BP08) files.

Used by tests/data/make_writer_files.py (to document how two FlatBuffers writers lay out the
same program) and by tests/python/test_foreign_files.py (to check that the stored fixtures still
show the quirk they are meant to exercise). Pure Python, no flatbuffers or executorch import.

`walk(buf)` visits every table reachable from the root and returns one `TableInfo` per table:
its path from the root ("Program.segments[0]"), its schema type, where it and its vtable sit,
the vtable's declared sizes, each present field's offset inside the table, and `extent`: the
end of the furthest present inline field (offset + width). A table whose `declared_size` is
smaller than its `extent` is one that the Python flatbuffers 25.2.x writer produces.

Schema facts follow docs/pte-format.md (and ExecuTorch's program.fbs / bundled_program_schema.fbs
field order). The walker bounds-checks every read and raises ValueError on a malformed file.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

# Field kinds: a scalar struct code ("B","b","?","h","i","I","q","Q","d"), "str", "table:T",
# "vec:<scalar code>", "vec:str", "vec:table:T", or "union:U" (two slots: type byte, value).
PROGRAM_SCHEMA: Dict[str, List[Tuple[str, str]]] = {
    "Program": [("version", "I"), ("execution_plan", "vec:table:ExecutionPlan"),
                ("constant_buffer", "vec:table:Buffer"),
                ("backend_delegate_data", "vec:table:BackendDelegateInlineData"),
                ("segments", "vec:table:DataSegment"), ("constant_segment", "table:SubsegmentOffsets"),
                ("mutable_data_segments", "vec:table:SubsegmentOffsets"),
                ("named_data", "vec:table:NamedData")],
    "ExecutionPlan": [("name", "str"), ("container_meta_type", "table:ContainerMetadata"),
                      ("values", "vec:table:EValue"), ("inputs", "vec:i"), ("outputs", "vec:i"),
                      ("chains", "vec:table:Chain"), ("operators", "vec:table:Operator"),
                      ("delegates", "vec:table:BackendDelegate"), ("non_const_buffer_sizes", "vec:q"),
                      ("non_const_buffer_device", "vec:table:NonConstBufferDevice")],
    "ContainerMetadata": [("encoded_inp_str", "str"), ("encoded_out_str", "str")],
    "EValue": [("val", "union:KernelTypes")],
    "Null": [],
    "Int": [("int_val", "q")],
    "Bool": [("bool_val", "?")],
    "Double": [("double_val", "d")],
    "String": [("string_val", "str")],
    "IntList": [("items", "vec:q")],
    "DoubleList": [("items", "vec:d")],
    "BoolList": [("items", "vec:?")],
    "TensorList": [("items", "vec:i")],
    "OptionalTensorList": [("items", "vec:i")],
    "Tensor": [("scalar_type", "b"), ("storage_offset", "i"), ("sizes", "vec:i"),
               ("dim_order", "vec:B"), ("requires_grad", "?"), ("data_buffer_idx", "I"),
               ("allocation_info", "table:AllocationDetails"), ("layout", "b"),
               ("shape_dynamism", "b"), ("extra_tensor_info", "table:ExtraTensorInfo")],
    "AllocationDetails": [("memory_id", "I"), ("memory_offset_low", "I"), ("memory_offset_high", "I")],
    "ExtraTensorInfo": [("mutable_data_segments_idx", "Q"), ("fully_qualified_name", "str"),
                        ("location", "b"), ("device_type", "b"), ("device_index", "b")],
    "Operator": [("name", "str"), ("overload", "str")],
    "Instruction": [("instr_args", "union:InstructionArguments")],
    "KernelCall": [("op_index", "i"), ("args", "vec:i")],
    "DelegateCall": [("delegate_index", "i"), ("args", "vec:i")],
    "MoveCall": [("move_from", "i"), ("move_to", "i")],
    "JumpFalseCall": [("cond_value_index", "i"), ("destination_instruction", "i")],
    "FreeCall": [("value_index", "i")],
    "Frame": [("filename", "str"), ("lineno", "i"), ("name", "str"), ("context", "str")],
    "FrameList": [("items", "vec:table:Frame")],
    "Chain": [("inputs", "vec:i"), ("outputs", "vec:i"), ("instructions", "vec:table:Instruction"),
              ("stacktrace", "vec:table:FrameList")],
    "BackendDelegate": [("id", "str"), ("processed", "table:BackendDelegateDataReference"),
                        ("compile_specs", "vec:table:CompileSpec")],
    "BackendDelegateDataReference": [("location", "b"), ("index", "I")],
    "CompileSpec": [("key", "str"), ("value", "vec:B")],
    "NonConstBufferDevice": [("buffer_idx", "i"), ("device_type", "b"), ("device_index", "b")],
    "Buffer": [("storage", "vec:B")],
    "BackendDelegateInlineData": [("data", "vec:B")],
    "DataSegment": [("offset", "Q"), ("size", "Q")],
    "SubsegmentOffsets": [("segment_index", "I"), ("offsets", "vec:Q")],
    "NamedData": [("key", "str"), ("segment_index", "I")],
}

BUNDLED_SCHEMA: Dict[str, List[Tuple[str, str]]] = {
    "BundledProgram": [("version", "I"), ("method_test_suites", "vec:table:BundledMethodTestSuite"),
                       ("program", "vec:B")],
    "BundledMethodTestSuite": [("method_name", "str"), ("test_cases", "vec:table:BundledMethodTestCase")],
    "BundledMethodTestCase": [("inputs", "vec:table:Value"), ("expected_outputs", "vec:table:Value")],
    "Value": [("val", "union:ValueUnion")],
    "BTensor": [("scalar_type", "b"), ("sizes", "vec:i"), ("data", "vec:B"), ("dim_order", "vec:B")],
    "Int": [("int_val", "q")],
    "Bool": [("bool_val", "?")],
    "Double": [("double_val", "d")],
}

UNIONS = {
    "KernelTypes": [None, "Null", "Int", "Bool", "Double", "Tensor", "String", "IntList",
                    "DoubleList", "BoolList", "TensorList", "OptionalTensorList"],
    "InstructionArguments": [None, "KernelCall", "DelegateCall", "MoveCall", "JumpFalseCall", "FreeCall"],
    "ValueUnion": [None, "BTensor", "Int", "Bool", "Double"],
}

@dataclass
class TableInfo:
    path: str
    type: str
    pos: int  # absolute position of the table (its soffset)
    vtable_pos: int
    vtable_size: int  # vtable's first u16
    declared_size: int  # vtable's second u16: the table's declared inline size
    field_offsets: Dict[str, int] = field(default_factory=dict)  # present fields only
    extent: int = 4  # end of the furthest present inline field (at least the soffset)
    values: Dict[str, object] = field(default_factory=dict)  # scalars, strings, scalar vectors
    vtable: List[int] = field(default_factory=list)  # the vtable's u16 entries, as stored

    @property
    def short(self) -> bool:
        """True when the declared inline size ends before a present field does."""
        return self.declared_size < self.extent


def _width(kind: str) -> int:
    if kind in ("str", "union_value") or kind.startswith(("table:", "vec:")):
        return 4
    return struct.calcsize("<" + kind)


class _Reader:
    def __init__(self, buf: bytes, schema, unions):
        self.buf = buf
        self.schema = schema
        self.unions = unions
        self.tables: List[TableInfo] = []

    def _read(self, fmt: str, pos: int):
        n = struct.calcsize("<" + fmt)
        if pos < 0 or pos + n > len(self.buf):
            raise ValueError(f"read of {n} bytes at {pos} outside the {len(self.buf)}-byte buffer")
        return struct.unpack_from("<" + fmt, self.buf, pos)[0]

    def _deref(self, pos: int) -> int:
        return pos + self._read("I", pos)

    def _string(self, pos: int) -> str:
        n = self._read("I", pos)
        if pos + 4 + n > len(self.buf):
            raise ValueError(f"string at {pos} of length {n} runs past the buffer")
        return self.buf[pos + 4:pos + 4 + n].decode("utf-8", errors="replace")

    def _vector(self, pos: int, elem: str, path: str):
        n = self._read("I", pos)
        start = pos + 4
        if elem.startswith("table:") or elem == "str":
            out = []
            for i in range(n):
                p = self._deref(start + 4 * i)
                if elem == "str":
                    out.append(self._string(p))
                else:
                    self.table(p, elem[len("table:"):], f"{path}[{i}]")
            return out if elem == "str" else n
        size = struct.calcsize("<" + elem)
        if start + n * size > len(self.buf):
            raise ValueError(f"vector at {pos} ({n} x {size} bytes) runs past the buffer")
        return list(struct.unpack_from(f"<{n}{elem}", self.buf, start)) if n else []

    def table(self, pos: int, type_name: str, path: str) -> TableInfo:
        vt = pos - self._read("i", pos)
        vt_size = self._read("H", vt)
        declared = self._read("H", vt + 2)
        if vt_size < 4 or vt_size % 2:
            raise ValueError(f"{path}: vtable at {vt} has size {vt_size}")
        info = TableInfo(path, type_name, pos, vt, vt_size, declared,
                         vtable=[self._read("H", vt + 2 * i) for i in range(vt_size // 2)])
        self.tables.append(info)
        fields = self.schema[type_name]
        # Expand unions into their two slots.
        slots: List[Tuple[str, str]] = []
        for name, kind in fields:
            if kind.startswith("union:"):
                slots.append((name + "_type", "B"))
                slots.append((name, kind))
            else:
                slots.append((name, kind))
        union_types: Dict[str, int] = {}
        for slot, (name, kind) in enumerate(slots):
            entry = 4 + 2 * slot
            if entry + 2 > vt_size:
                break
            off = self._read("H", vt + entry)
            if off == 0:
                continue
            info.field_offsets[name] = off
            width = _width("union_value" if kind.startswith("union:") else kind)
            info.extent = max(info.extent, off + width)
            fpos = pos + off
            if kind.startswith("union:"):
                tag = union_types.get(name + "_type", 0)
                members = self.unions[kind[len("union:"):]]
                if not 0 < tag < len(members):
                    raise ValueError(f"{path}.{name}: union tag {tag}")
                info.values[name + "_type"] = members[tag]
                self.table(self._deref(fpos), members[tag], f"{path}.{name}<{members[tag]}>")
            elif kind == "str":
                info.values[name] = self._string(self._deref(fpos))
            elif kind.startswith("table:"):
                self.table(self._deref(fpos), kind[len("table:"):], f"{path}.{name}")
            elif kind.startswith("vec:"):
                v = self._vector(self._deref(fpos), kind[len("vec:"):], f"{path}.{name}")
                info.values[name] = v
            else:
                v = self._read(kind, fpos)
                info.values[name] = v
                if name.endswith("_type"):
                    union_types[name] = v
        return info


def walk(buf: bytes) -> List[TableInfo]:
    """Every table of a .pte (ET12) or .bpte (BP08) file, depth first from the root."""
    ident = bytes(buf[4:8])
    if ident == b"ET12":
        r = _Reader(bytes(buf), PROGRAM_SCHEMA, UNIONS)
        root = "Program"
    elif ident == b"BP08":
        r = _Reader(bytes(buf), BUNDLED_SCHEMA, UNIONS)
        root = "BundledProgram"
    else:
        raise ValueError(f"unknown file identifier {ident!r}")
    r.table(r._read("I", 0), root, root)
    return r.tables


def logical_view(tables: List[TableInfo]) -> List[Tuple[str, str, Dict[str, object]]]:
    """What a reader sees (path, type, field values), independent of byte layout."""
    return [(t.path, t.type, t.values) for t in tables]


def compare_writers(a: bytes, b: bytes) -> dict:
    """How two serialisations of the same program differ: equal logical content is asserted;
    returns the tables whose vtable entries differ (declared size, vtable size, field offsets),
    the vtable counts, and the flatbuffer sizes."""
    ta, tb = walk(a), walk(b)
    if logical_view(ta) != logical_view(tb):
        raise ValueError("the two files do not hold the same program")
    diffs = []
    for x, y in zip(ta, tb):
        d = {}
        if x.declared_size != y.declared_size:
            d["declared_size"] = [x.declared_size, y.declared_size]
        if x.vtable_size != y.vtable_size:
            d["vtable_size"] = [x.vtable_size, y.vtable_size]
        if x.field_offsets != y.field_offsets:
            d["field_offsets"] = [x.field_offsets, y.field_offsets]
        if d:
            diffs.append({"path": x.path, "type": x.type, "extent": [x.extent, y.extent], **d})
    return {
        "tables": len(ta),
        "vtables": [len({t.vtable_pos for t in ta}), len({t.vtable_pos for t in tb})],
        "short_tables": [sum(t.short for t in ta), sum(t.short for t in tb)],
        "differing_tables": diffs,
    }


def vtable_owner(tables: List[TableInfo], t: TableInfo) -> Optional[TableInfo]:
    """The table a vtable was written for: FlatBuffers builders write a new vtable directly in
    front of its table, so the owner starts where the vtable ends (None if no table does)."""
    end = t.vtable_pos + t.vtable_size
    return next((o for o in tables if o.pos == end and o.vtable_pos == t.vtable_pos), None)


def short_tables(buf: bytes) -> List[TableInfo]:
    """Tables whose vtable declares an inline size that ends before a present field does."""
    return [t for t in walk(buf) if t.short]
