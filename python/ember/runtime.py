"""ctypes binding over libember: load a .pte and run it from Python, without torch.

    prog = ember.load("model.pte")          # maps the file read-only: weights are not copied
    outs = prog.run(x, method="forward")    # numpy or torch inputs -> numpy outputs

`run` returns a list of numpy arrays, one per output, except for a model whose result holds a
dict: then that structure comes back, the dict with the same keys (and nested tuples, lists and
dicts as the model nested them), rebuilt from the output spec the exporter stored in the file.

Threads: `load(path, threads=N)` runs the kernels on N threads (a pool of N - 1 workers besides
the calling one, started once and kept for the program's lifetime); the default is the number
of CPUs this process may use (`cpu_count()`), and threads=1 runs without a pool. `run`,
`bench` and `profile` take `threads=` too, for that call (pools are kept per thread count).

Memory: `load(path)` maps the file (mmap, read-only); `load(bytes)` copies the bytes once into
an aligned block. The program, and every method loaded from it, share one owner of those bytes
and of the C program struct (`_Image`); nothing refers back, so the last of them to be dropped
unmaps the file at once, without waiting for the cycle collector.

The library is found through $EMBER_LIB, then build/lib/libember.so in the source tree, then
the system's library path.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import json
import math
import mmap
import os
import stat
import time
from pathlib import Path
from typing import Any, Optional, Union

import numpy as np

from .errors import EmberError

MAX_DIMS = 8
MAX_BUFFERS = 16

# ember_dtype codes (include/ember/dtype.inc) <-> numpy
_NP_TO_DTYPE = {
    np.dtype(np.uint8): 0, np.dtype(np.int8): 1, np.dtype(np.int16): 2, np.dtype(np.int32): 3,
    np.dtype(np.int64): 4, np.dtype(np.float16): 5, np.dtype(np.float32): 6,
    np.dtype(np.float64): 7, np.dtype(np.bool_): 11, np.dtype(np.uint16): 27,
    np.dtype(np.uint32): 28, np.dtype(np.uint64): 29,
}
_DTYPE_TO_NP = {v: k for k, v in _NP_TO_DTYPE.items()}
# bfloat16 has no numpy dtype. An input takes a torch.bfloat16 tensor, or a numpy uint16 array of
# bfloat16 bit patterns when the method's input is bfloat16; an output comes back as float32
# (widening bfloat16 is exact). See docs/runtime.md, "Half types".
_BF16 = 15


def _torch_bf16_bits(x: Any) -> Optional[np.ndarray]:
    """A torch.bfloat16 tensor's bit patterns as a uint16 array; None for anything else."""
    if not (hasattr(x, "detach") and str(getattr(x, "dtype", "")) == "torch.bfloat16"):
        return None
    import torch  # a torch tensor was given, so torch is importable

    return x.detach().cpu().contiguous().view(torch.int16).numpy().view(np.uint16)

VALUE_INT, VALUE_BOOL, VALUE_DOUBLE, VALUE_TENSOR = 2, 3, 4, 5
VALUE_TENSOR_LIST, VALUE_OPTIONAL_TENSOR_LIST = 10, 11
INSTRUCTION_KERNEL, INSTRUCTION_DELEGATE = 1, 2  # ember_instruction_kind
_SCALAR_KINDS = {VALUE_INT: "Int", VALUE_BOOL: "Bool", VALUE_DOUBLE: "Double"}


class _Tensor(ctypes.Structure):
    _fields_ = [
        ("data", ctypes.c_void_p),
        ("sizes", ctypes.c_int32 * MAX_DIMS),
        ("strides", ctypes.c_int32 * MAX_DIMS),
        ("dim_order", ctypes.c_uint8 * MAX_DIMS),
        ("dim", ctypes.c_uint8),
        ("dtype", ctypes.c_uint8),
        ("storage", ctypes.c_uint8),
        ("dynamic", ctypes.c_uint8),
        ("numel", ctypes.c_int64),
        ("nbytes", ctypes.c_size_t),
        ("capacity", ctypes.c_size_t),
    ]


class _ValueUnion(ctypes.Union):
    _fields_ = [("i", ctypes.c_int64), ("d", ctypes.c_double), ("b", ctypes.c_bool),
                ("t", ctypes.POINTER(_Tensor)), ("p", ctypes.c_void_p)]


class _Value(ctypes.Structure):
    _fields_ = [("tag", ctypes.c_uint32), ("len", ctypes.c_uint32), ("u", _ValueUnion)]


class _Requirements(ctypes.Structure):
    _fields_ = [("bookkeeping_bytes", ctypes.c_size_t), ("num_buffers", ctypes.c_size_t),
                ("buffer_bytes", ctypes.c_size_t * MAX_BUFFERS)]


class _Bundle(ctypes.Structure):  # ember_bundle (ember.h): fields read here, written by C
    _fields_ = [("data", ctypes.c_void_p), ("size", ctypes.c_size_t), ("program", ctypes.c_void_p),
                ("program_size", ctypes.c_size_t), ("suites", ctypes.c_uint32),
                ("num_suites", ctypes.c_uint32), ("error", ctypes.c_char * 240)]


class _BundleValue(ctypes.Structure):
    _fields_ = [("tag", ctypes.c_uint32), ("dtype", ctypes.c_uint8), ("dim", ctypes.c_uint8),
                ("sizes", ctypes.c_int32 * MAX_DIMS), ("dim_order", ctypes.c_uint8 * MAX_DIMS),
                ("data", ctypes.c_void_p), ("nbytes", ctypes.c_size_t), ("i", ctypes.c_int64),
                ("d", ctypes.c_double), ("b", ctypes.c_bool)]


class _BundleCheck(ctypes.Structure):
    _fields_ = [("passed", ctypes.c_bool), ("outputs", ctypes.c_size_t), ("mismatches", ctypes.c_size_t),
                ("worst_output", ctypes.c_size_t), ("max_abs_error", ctypes.c_double)]


class _MethodInfo(ctypes.Structure):  # ember_method_info
    _fields_ = [("num_values", ctypes.c_size_t), ("num_instructions", ctypes.c_size_t),
                ("num_operators", ctypes.c_size_t), ("num_delegates", ctypes.c_size_t)]


class _InstructionInfo(ctypes.Structure):  # ember_instruction_info
    _fields_ = [("kind", ctypes.c_uint32), ("index", ctypes.c_uint32), ("name", ctypes.c_char_p),
                ("num_args", ctypes.c_size_t), ("args", ctypes.POINTER(ctypes.POINTER(_Value)))]


class _ProfileCounter(ctypes.Structure):  # ember_profile_counter
    _fields_ = [("calls", ctypes.c_uint64), ("ticks", ctypes.c_uint64)]


class _Profiler(ctypes.Structure):  # ember_profiler; clock is a C function's address
    _fields_ = [("clock", ctypes.c_void_p), ("clock_user", ctypes.c_void_p),
                ("counters", ctypes.POINTER(_ProfileCounter)), ("num_counters", ctypes.c_size_t),
                ("started", ctypes.c_uint64)]


def _find_library() -> str:
    env = os.environ.get("EMBER_LIB")
    if env:
        return env
    here = Path(__file__).resolve()
    for root in (here.parents[2], Path.cwd()):
        cand = root / "build" / "lib" / "libember.so"
        if cand.exists():
            return str(cand)
    found = ctypes.util.find_library("ember")
    if found:
        return found
    raise EmberError("not found", "libember.so not found: run `make build` or set EMBER_LIB")


_lib = None


def _library() -> ctypes.CDLL:
    global _lib
    if _lib is not None:
        return _lib
    lib = ctypes.CDLL(_find_library())
    c = ctypes
    sigs = {
        "ember_status_str": (c.c_char_p, [c.c_int]),
        "ember_program_struct_size": (c.c_size_t, []),
        "ember_program_load": (c.c_int, [c.c_void_p, c.c_void_p, c.c_size_t]),
        "ember_program_error": (c.c_char_p, [c.c_void_p]),
        "ember_program_method_count": (c.c_size_t, [c.c_void_p]),
        "ember_program_method_name": (c.c_char_p, [c.c_void_p, c.c_size_t]),
        "ember_program_constant_bytes": (c.c_size_t, [c.c_void_p]),
        "ember_program_method_spec": (c.c_int, [c.c_void_p, c.c_size_t, c.POINTER(c.c_char_p),
                                                c.POINTER(c.c_char_p)]),
        "ember_method_requirements_get": (c.c_int, [c.c_void_p, c.c_char_p, c.POINTER(_Requirements)]),
        "ember_method_load": (c.c_int, [c.c_void_p, c.c_char_p, c.c_void_p, c.c_size_t,
                                        c.POINTER(c.c_void_p), c.c_size_t, c.POINTER(c.c_void_p)]),
        "ember_method_input_count": (c.c_size_t, [c.c_void_p]),
        "ember_method_output_count": (c.c_size_t, [c.c_void_p]),
        "ember_method_input": (c.POINTER(_Value), [c.c_void_p, c.c_size_t]),
        "ember_method_output_value": (c.POINTER(_Value), [c.c_void_p, c.c_size_t]),
        "ember_method_set_input": (c.c_int, [c.c_void_p, c.c_size_t, c.c_int, c.c_size_t,
                                             c.POINTER(c.c_int32), c.c_void_p]),
        "ember_method_set_input_scalar": (c.c_int, [c.c_void_p, c.c_size_t, c.c_double]),
        "ember_method_set_input_int": (c.c_int, [c.c_void_p, c.c_size_t, c.c_int64]),
        "ember_method_execute": (c.c_int, [c.c_void_p]),
        "ember_method_input_consumed": (c.c_bool, [c.c_void_p, c.c_size_t]),
        "ember_method_error": (c.c_char_p, [c.c_void_p]),
        "ember_method_packed_bytes": (c.c_size_t, [c.c_void_p]),
        "ember_method_pack": (c.c_int, [c.c_void_p, c.c_void_p, c.c_size_t]),
        "ember_method_destroy": (None, [c.c_void_p]),
        "ember_bundle_struct_size": (c.c_size_t, []),
        "ember_bundle_identify": (c.c_bool, [c.c_void_p, c.c_size_t]),
        "ember_bundle_load": (c.c_int, [c.POINTER(_Bundle), c.c_void_p, c.c_size_t]),
        "ember_bundle_suite_count": (c.c_size_t, [c.POINTER(_Bundle)]),
        "ember_bundle_suite_method": (c.c_char_p, [c.POINTER(_Bundle), c.c_size_t]),
        "ember_bundle_case_count": (c.c_size_t, [c.POINTER(_Bundle), c.c_size_t]),
        "ember_bundle_input_count": (c.c_size_t, [c.POINTER(_Bundle), c.c_size_t, c.c_size_t]),
        "ember_bundle_expected_count": (c.c_size_t, [c.POINTER(_Bundle), c.c_size_t, c.c_size_t]),
        "ember_bundle_input": (c.c_int, [c.POINTER(_Bundle), c.c_size_t, c.c_size_t, c.c_size_t,
                                         c.POINTER(_BundleValue)]),
        "ember_bundle_expected": (c.c_int, [c.POINTER(_Bundle), c.c_size_t, c.c_size_t, c.c_size_t,
                                            c.POINTER(_BundleValue)]),
        "ember_bundle_set_inputs": (c.c_int, [c.POINTER(_Bundle), c.c_size_t, c.c_size_t, c.c_void_p]),
        "ember_bundle_check_outputs": (c.c_int, [c.POINTER(_Bundle), c.c_size_t, c.c_size_t, c.c_void_p,
                                                 c.c_double, c.c_double, c.POINTER(_BundleCheck)]),
        "ember_dtype_name": (c.c_char_p, [c.c_int]),
        "ember_method_info_get": (c.c_int, [c.c_void_p, c.POINTER(_MethodInfo)]),
        "ember_method_instruction": (c.c_int, [c.c_void_p, c.c_size_t, c.POINTER(_InstructionInfo)]),
        "ember_method_set_event_hook": (c.c_int, [c.c_void_p, c.c_void_p, c.c_void_p]),
        "ember_profiler_overhead": (c.c_uint64, [c.POINTER(_Profiler)]),
        "ember_clock_monotonic_ns": (c.c_uint64, [c.c_void_p]),
        "ember_operator_count": (c.c_size_t, []),
        "ember_cpu_features": (c.c_uint64, []),
        "ember_cpu_features_str": (c.c_size_t, [c.c_uint64, c.c_char_p, c.c_size_t]),
        "ember_operator_name": (c.c_char_p, [c.c_size_t]),
        "ember_threadpool_bytes": (c.c_size_t, [c.c_size_t]),
        "ember_threadpool_init": (c.c_int, [c.c_void_p, c.c_size_t, c.c_size_t, c.POINTER(c.c_void_p)]),
        "ember_threadpool_destroy": (None, [c.c_void_p]),
        "ember_threadpool_threads": (c.c_size_t, [c.c_void_p]),
        "ember_cpu_count": (c.c_size_t, []),
        "ember_method_set_threadpool": (c.c_int, [c.c_void_p, c.c_void_p]),
    }
    for name, (res, args) in sigs.items():
        fn = getattr(lib, name)
        fn.restype = res
        fn.argtypes = args
    if lib.ember_bundle_struct_size() != ctypes.sizeof(_Bundle):
        raise EmberError("internal error", "libember's ember_bundle differs from the binding's: rebuild both")
    _lib = lib
    return lib


def _aligned(nbytes: int, align: int = 64, zero: bool = True) -> tuple[np.ndarray, int]:
    """A numpy block and the address of its first `align`-aligned byte."""
    raw = (np.zeros if zero else np.empty)(nbytes + align, dtype=np.uint8)
    addr = raw.ctypes.data
    return raw, (addr + align - 1) // align * align


def _status(lib: ctypes.CDLL, code: int) -> str:
    return lib.ember_status_str(code).decode()


def _as_numpy(x: Any) -> np.ndarray:
    if isinstance(x, np.ndarray):
        return x
    if hasattr(x, "detach") and hasattr(x, "numpy"):  # a torch tensor, without importing torch
        return x.detach().cpu().contiguous().numpy()
    return np.asarray(x)


def _method_name(name: Any) -> bytes:
    """The C string for a method name: a str without NUL characters ("forward\\0x" would
    otherwise name "forward")."""
    if not isinstance(name, str):
        raise EmberError("invalid argument", f"a method name must be a str, not {type(name).__name__}")
    if "\0" in name:
        raise EmberError("invalid argument", f"method name {name!r} contains a NUL character")
    try:
        return name.encode("utf-8", "surrogateescape")  # round-trips names read from the file
    except UnicodeEncodeError:
        raise EmberError("invalid argument", f"method name {name!r} cannot be encoded as UTF-8") from None


# ---- the file's bytes -------------------------------------------------------------------------


class _Image:
    """The program's bytes (a read-only mapping of the file, or one aligned copy) and the C
    `ember_program` struct that points into them. Program and each Method hold this object;
    it holds neither, so its lifetime ends with the last of them and the mapping is closed then."""

    def __init__(self, lib: ctypes.CDLL, source: Union[str, os.PathLike, bytes, bytearray, memoryview]):
        self._lib = lib
        self._mmap: Optional[mmap.mmap] = None
        self._view: Optional[np.ndarray] = None  # uint8 view of the mapping: its address
        self._block: Optional[np.ndarray] = None  # the aligned copy, when not mapped
        if isinstance(source, (bytes, bytearray, memoryview)):
            self._copy(memoryview(source))
        else:
            self._map(os.fspath(source))
        self._struct = np.zeros(lib.ember_program_struct_size() + 16, dtype=np.uint8)
        self.handle = ctypes.c_void_p((self._struct.ctypes.data + 15) // 16 * 16)
        program, program_size = self.addr, self.size
        self.bundle: Optional[_Bundle] = None  # a bundled program (.bpte): the wrapper
        if lib.ember_bundle_identify(self.addr, self.size):
            self.bundle = _Bundle()
            st = lib.ember_bundle_load(ctypes.byref(self.bundle), self.addr, self.size)
            if st:
                message = self.bundle.error.decode(errors="replace")
                self.close()
                raise EmberError(_status(lib, st), message)
            program, program_size = self.bundle.program, self.bundle.program_size
        st = lib.ember_program_load(self.handle, program, program_size)
        if st:
            message = ("the bundled program's " if self.bundle is not None else "") + self.error()
            self.close()
            raise EmberError(_status(lib, st), message)

    def _copy(self, src: memoryview) -> None:
        if not src.c_contiguous:
            raise EmberError("invalid argument", "the program's bytes must be contiguous")
        src = src.cast("B") if src.format != "B" or src.ndim != 1 else src
        self.size = src.nbytes
        self._block, self.addr = _aligned(self.size, zero=False)
        dst = self._block[self.addr - self._block.ctypes.data:][:self.size]
        dst[:] = np.frombuffer(src, dtype=np.uint8)  # the one copy

    def _map(self, path: str) -> None:
        # O_NONBLOCK: opening a FIFO must not wait for a writer (it is refused below).
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                what = "a directory" if stat.S_ISDIR(st.st_mode) else "not a regular file"
                raise EmberError("invalid argument", f"{path} is {what}, not a .pte file")
            self.size = st.st_size
            if self.size == 0:  # mmap refuses empty files; the load says what is wrong
                self._block, self.addr = _aligned(0)
                return
            try:
                self._mmap = mmap.mmap(fd, self.size, access=mmap.ACCESS_READ)
            except (OSError, ValueError):  # a file system without mmap: read it, once
                self._read(fd, path)
                return
        finally:
            os.close(fd)
        if hasattr(mmap, "MADV_HUGEPAGE"):
            try:
                self._mmap.madvise(mmap.MADV_HUGEPAGE)
            except OSError:  # advice only
                pass
        self._view = np.frombuffer(self._mmap, dtype=np.uint8)
        self.addr = self._view.ctypes.data

    def _read(self, fd: int, path: str) -> None:
        self._block, self.addr = _aligned(self.size, zero=False)
        dst = memoryview(self._block)[self.addr - self._block.ctypes.data:][:self.size]
        done = 0
        while done < self.size:
            got = os.readv(fd, [dst[done:]])
            if got <= 0:
                raise EmberError("invalid argument", f"{path} shrank while being read")
            done += got

    def error(self) -> str:
        return self._lib.ember_program_error(self.handle).decode(errors="replace")

    def close(self) -> None:
        self._view = None
        if self._mmap is not None:
            self._mmap.close()
            self._mmap = None
        self._block = None

    def __del__(self) -> None:
        self.close()


# ---- the output spec: torch.utils._pytree's treespec JSON, read without torch ------------------

_SEQUENCES = {"builtins.tuple": tuple, "builtins.list": list, "collections.namedtuple": tuple}
_MAPPINGS = ("builtins.dict", "collections.OrderedDict", "collections.defaultdict")
_MAX_DEPTH = 64


class _Spec:
    """One node of an output spec: a leaf (kind None), a sequence (tuple or list) or a mapping
    (dict, keys in order); `unknown` names a container type this binding does not rebuild."""

    def __init__(self, kind: Any, children: list["_Spec"], keys: Optional[list] = None,
                 unknown: str = ""):
        self.kind = kind
        self.children = children
        self.keys = keys
        self.unknown = unknown
        self.leaves: int = 1 if kind is None and not unknown else sum(c.leaves for c in children)
        self.has_mapping: bool = kind is dict or any(c.has_mapping for c in children)
        self.first_unknown: str = unknown or next((c.first_unknown for c in children if c.first_unknown), "")


def _spec_node(node: Any, depth: int) -> _Spec:
    if depth > _MAX_DEPTH or not isinstance(node, dict):
        raise ValueError("not a treespec node")
    kind, context, children = node.get("type"), node.get("context"), node.get("children_spec")
    if not isinstance(children, list):
        raise ValueError("children_spec is not a list")
    kids = [_spec_node(c, depth + 1) for c in children]
    if kind is None:
        if kids:
            raise ValueError("a leaf with children")
        return _Spec(None, [])
    if kind in _SEQUENCES:
        return _Spec(_SEQUENCES[kind], kids)
    if kind in _MAPPINGS:
        keys = json.loads(context) if isinstance(context, str) else None
        if kind == "collections.defaultdict" and isinstance(keys, dict):
            keys = keys.get("dict_context")
        if not isinstance(keys, list) or len(keys) != len(kids):
            raise ValueError("a dict's keys do not match its children")
        try:
            if len(set(keys)) != len(keys):
                raise ValueError("repeated dict keys")
        except TypeError:
            raise ValueError("unhashable dict keys") from None
        return _Spec(dict, kids, keys=keys)
    return _Spec(None, kids, unknown=str(kind))


def _parse_spec(text: str, num_outputs: int) -> Optional[_Spec]:
    """The output spec, or None when the file has none or one that does not describe its
    outputs (the file is untrusted: a bad spec means flat outputs, never a crash)."""
    if not text:
        return None
    try:
        data = json.loads(text)
        if not (isinstance(data, list) and len(data) == 2 and data[0] == 1):
            return None
        spec = _spec_node(data[1], 0)
    except (ValueError, RecursionError, TypeError):
        return None
    return spec if spec.leaves == num_outputs else None


def _rebuild(spec: _Spec, flat: list, pos: int = 0) -> tuple[Any, int]:
    if spec.kind is None:
        return flat[pos], pos + 1
    values = []
    for child in spec.children:
        value, pos = _rebuild(child, flat, pos)
        values.append(value)
    if spec.kind is dict:
        return dict(zip(spec.keys, values)), pos
    return spec.kind(values), pos


# ---- threads ----------------------------------------------------------------------------------

MAX_THREADS = 1024  # ember_threadpool_bytes' limit


def cpu_count() -> int:
    """The CPUs this process may run on (sched_getaffinity; 1 in a libember built without
    threads): the default thread count of load, run, bench and profile."""
    return int(_library().ember_cpu_count())


def _threads_arg(threads: Any) -> int:
    """`threads` checked: None is cpu_count(), else a whole number from 1 to MAX_THREADS."""
    if threads is None:
        return min(cpu_count(), MAX_THREADS)
    if isinstance(threads, bool) or not isinstance(threads, int) or not 1 <= threads <= MAX_THREADS:
        raise EmberError("invalid argument", f"threads must be a whole number from 1 to {MAX_THREADS}, not {threads!r}")
    return threads


class _Pool:
    """An ember_threadpool of `threads` threads in a numpy block; its workers are joined when
    the last method using it (each holds a reference) and the program are gone."""

    def __init__(self, lib: ctypes.CDLL, threads: int):
        self._lib = lib
        self.handle: Optional[int] = None
        nbytes = lib.ember_threadpool_bytes(threads)
        self._block = np.zeros(max(1, nbytes), dtype=np.uint8)
        out = ctypes.c_void_p()
        st = lib.ember_threadpool_init(self._block.ctypes.data, nbytes, threads, ctypes.byref(out))
        if st:
            raise EmberError(_status(lib, st), f"cannot start a pool of {threads} threads")
        self.handle = out.value
        self.threads = int(lib.ember_threadpool_threads(self.handle))  # 1 without threads

    def __del__(self) -> None:
        if getattr(self, "handle", None):
            self._lib.ember_threadpool_destroy(self.handle)
            self.handle = None


# ---- methods and programs ---------------------------------------------------------------------


class Method:
    """One loaded method: its bookkeeping block and planned buffers, owned by this object. It
    keeps the program's bytes alive (through their owner), not the Program object."""

    def __init__(self, image: _Image, name: str, output_spec: str = "", pack_weights: bool = True):
        lib = _library()
        self._lib = lib
        self._image = image
        self.name = name
        cname = _method_name(name)
        req = _Requirements()
        st = lib.ember_method_requirements_get(image.handle, cname, ctypes.byref(req))
        if st:
            raise EmberError(_status(lib, st), image.error())
        self.bookkeeping_bytes = int(req.bookkeeping_bytes)
        self.buffer_bytes = [int(req.buffer_bytes[i]) for i in range(req.num_buffers)]
        self._blocks = []
        ptrs = (ctypes.c_void_p * MAX_BUFFERS)()
        try:
            self._book = np.zeros(max(1, self.bookkeeping_bytes), dtype=np.uint8)
            for i, size in enumerate(self.buffer_bytes):
                if i == 0 or size == 0:
                    continue
                block, addr = _aligned(size)
                self._blocks.append(block)
                ptrs[i] = addr
        except (MemoryError, ValueError) as e:
            total = self.bookkeeping_bytes + sum(self.buffer_bytes)
            raise EmberError("memory too small",
                             f"method '{name}' asks for {total} bytes, which cannot be allocated ({e})") from None
        out = ctypes.c_void_p()
        st = lib.ember_method_load(image.handle, cname, self._book.ctypes.data,
                                   self._book.nbytes, ptrs, len(self.buffer_bytes), ctypes.byref(out))
        if st:
            raise EmberError(_status(lib, st), image.error())
        self._ptrs = ptrs
        self._m = out.value
        # The fast kernels' copies of their weights for this CPU (ember_method_pack): optional
        # in C, always made here; the method keeps pointing into self._packed.
        self.packed_weight_bytes = int(lib.ember_method_packed_bytes(self._m))
        self._packed = None
        if self.packed_weight_bytes and pack_weights:
            try:
                self._packed = np.empty(self.packed_weight_bytes, dtype=np.uint8)
            except (MemoryError, ValueError):
                self._packed = None  # runs unpacked: slower, outputs equal to rounding
            if self._packed is not None and lib.ember_method_pack(
                    self._m, self._packed.ctypes.data, self._packed.nbytes):
                self._packed = None
        self._pool: Optional[_Pool] = None  # kept alive while the C method points at it
        self._borrowed: list[np.ndarray] = []
        self._spec = _parse_spec(output_spec, self.num_outputs)

    @property
    def num_inputs(self) -> int:
        return int(self._lib.ember_method_input_count(self._m))

    def input_capacity(self, index: int) -> int:
        """The most elements tensor input `index` takes: its element count, or for a dynamic
        input the count its planned bytes hold (its bound)."""
        v = self._lib.ember_method_input(self._m, index)
        if not v or v.contents.tag != VALUE_TENSOR or not v.contents.u.t:
            raise EmberError("invalid argument", f"input {index} is not a tensor")
        t = v.contents.u.t.contents
        size = np.dtype(_DTYPE_TO_NP[t.dtype]).itemsize if t.dtype in _DTYPE_TO_NP else 1
        return int(t.capacity) // size if t.dynamic else int(t.numel)

    def _use_pool(self, pool: Optional[_Pool]) -> None:
        """Runs the next executes on `pool` (None: the calling thread alone)."""
        if pool is not self._pool:
            self._lib.ember_method_set_threadpool(self._m, pool.handle if pool is not None else None)
            self._pool = pool

    @property
    def threads(self) -> int:
        """Threads the next execute runs on."""
        return self._pool.threads if self._pool is not None else 1

    @property
    def num_outputs(self) -> int:
        return int(self._lib.ember_method_output_count(self._m))

    def _fail(self, st: int) -> EmberError:
        return EmberError(_status(self._lib, st), self._lib.ember_method_error(self._m).decode(errors="replace"))

    def _scalar(self, index: int, kind: int, x: Any) -> "int | float":
        """A scalar input's value, from a Python number, a numpy scalar or a 0-d array/tensor:
        an int for an Int input (set exactly), a float otherwise."""
        name = _SCALAR_KINDS[kind]
        arr = _as_numpy(x)
        if arr.ndim != 0:
            raise EmberError("invalid argument",
                             f"input {index} is a scalar ({name}); got an array of shape {arr.shape}")
        v = arr.item()
        if isinstance(v, bool):
            return int(v) if kind == VALUE_INT else float(v)
        if kind == VALUE_BOOL:
            if isinstance(v, (int, float)) and v in (0, 1):
                return float(v)
            raise EmberError("invalid argument", f"input {index} is a Bool; got {v!r}")
        if not isinstance(v, (int, float)):  # complex, str, object
            raise EmberError("invalid argument", f"input {index} is a scalar ({name}); got {v!r}")
        if kind == VALUE_INT:
            if isinstance(v, float) and (not math.isfinite(v) or not v.is_integer()):
                raise EmberError("invalid argument", f"input {index} is an Int; {v!r} is not an integer")
            v = int(v)
            if not -2 ** 63 <= v < 2 ** 63:
                raise EmberError("invalid argument", f"input {index} (Int): {v!r} is beyond int64")
            return v
        try:
            return float(v)
        except OverflowError:
            raise EmberError("invalid argument", f"input {index} (Double): {v!r} is out of range") from None

    def set_input(self, index: int, x: Any) -> None:
        lib = self._lib
        v = lib.ember_method_input(self._m, index)
        if v and v.contents.tag in _SCALAR_KINDS:
            value = self._scalar(index, v.contents.tag, x)
            st = (lib.ember_method_set_input_int(self._m, index, value) if v.contents.tag == VALUE_INT
                  else lib.ember_method_set_input_scalar(self._m, index, value))
            if st:
                raise self._fail(st)
            return
        bits = _torch_bf16_bits(x)
        arr = bits if bits is not None else _as_numpy(x)
        arr = np.require(arr, requirements="C")  # keeps 0-d arrays 0-d
        code = _NP_TO_DTYPE.get(arr.dtype)
        want_bf16 = bool(v and v.contents.tag == VALUE_TENSOR and v.contents.u.t
                         and v.contents.u.t.contents.dtype == _BF16)
        if arr.dtype == np.uint16 and (bits is not None or want_bf16):
            code = _BF16  # bfloat16 bit patterns
        if code is None:
            raise EmberError("dtype mismatch", f"input {index}: numpy dtype {arr.dtype} has no Ember equivalent")
        if arr.ndim > MAX_DIMS:
            raise EmberError("shape mismatch", f"input {index}: rank {arr.ndim} exceeds {MAX_DIMS}")
        shape = arr.shape
        sizes = (ctypes.c_int32 * MAX_DIMS)(*shape)
        t = v.contents.u.t.contents if v and v.contents.tag == VALUE_TENSOR and v.contents.u.t \
            else None
        if t is not None and t.dim == arr.ndim:
            # the C API takes the bytes in the input's dim order (channels-last, say): lay the
            # array out so (its shape stays the logical one)
            order = [t.dim_order[d] for d in range(t.dim)]
            if order != sorted(order):
                arr = np.ascontiguousarray(np.transpose(arr, order))
        st = lib.ember_method_set_input(self._m, index, code, len(shape), sizes, arr.ctypes.data)
        if st:
            raise self._fail(st)
        self._borrowed.append(arr)  # unplanned inputs point at it until the next run

    def execute(self) -> None:
        st = self._lib.ember_method_execute(self._m)
        if st:
            raise self._fail(st)

    def output(self, index: int) -> Any:
        v = self._lib.ember_method_output_value(self._m, index)
        if not v:
            raise EmberError("invalid argument", f"output {index} out of range")
        val = v.contents
        if val.tag == VALUE_TENSOR:
            t = val.u.t.contents
            bf16 = t.dtype == _BF16  # read as bits, returned widened to float32
            dt = np.dtype(np.uint16) if bf16 else _DTYPE_TO_NP.get(t.dtype)
            if dt is None:
                raise EmberError("not supported", f"output {index} has dtype code {t.dtype}")
            shape = tuple(t.sizes[d] for d in range(t.dim))
            if t.nbytes == 0:
                return np.zeros(shape, dtype=np.float32 if bf16 else dt)
            if not t.data:
                raise EmberError("input not set", f"output {index} has no data")
            view = np.frombuffer((ctypes.c_uint8 * t.nbytes).from_address(t.data), dtype=dt)
            # honour dim_order: element strides may describe a non-contiguous layout; one copy
            strides = tuple(t.strides[d] * dt.itemsize for d in range(t.dim))
            out = np.lib.stride_tricks.as_strided(view, shape=shape, strides=strides).copy()
            return (out.astype(np.uint32) << 16).view(np.float32) if bf16 else out
        if val.tag == VALUE_INT:
            return int(val.u.i)
        if val.tag == VALUE_DOUBLE:
            return float(val.u.d)
        if val.tag == VALUE_BOOL:
            return bool(val.u.b)
        raise EmberError("not supported", f"output {index} has value kind {val.tag}")

    def outputs(self, flat: bool = False) -> Any:
        """The outputs of the last run: a list, or the model's dict (see `run`)."""
        values = [self.output(i) for i in range(self.num_outputs)]
        spec = self._spec
        if flat or spec is None or not (spec.has_mapping or spec.first_unknown):
            return values
        if spec.first_unknown:
            raise EmberError("not supported",
                             f"method '{self.name}' returns a {spec.first_unknown}, which the binding "
                             "does not rebuild; run(..., flat=True) returns its outputs as a list")
        return _rebuild(spec, values)[0]

    def run(self, *inputs: Any, flat: bool = False) -> Any:
        """Runs on numpy/torch inputs (scalar inputs take numbers or 0-d arrays). Returns a list
        of numpy arrays (copies), one per output; for a model whose result holds a dict, that
        result, keys and nesting as the model had them. `flat=True` always returns the list."""
        if len(inputs) != self.num_inputs:
            raise EmberError("invalid argument",
                             f"method '{self.name}' takes {self.num_inputs} inputs, got {len(inputs)}")
        self._borrowed = []
        for i, x in enumerate(inputs):
            self.set_input(i, x)
        self.execute()
        return self.outputs(flat)

    # ---- profiling (docs/profiling.md) ----

    def _output_text(self, v: Any) -> str:
        """"float32 (1, 10)" for a value an instruction writes, as `ember profile` shows it; a
        tensor list shows its first tensor and how many follow; other values ""."""
        if not v:
            return ""
        val = v.contents
        if val.tag == VALUE_TENSOR:
            t = val.u.t.contents
        elif val.tag in (VALUE_TENSOR_LIST, VALUE_OPTIONAL_TENSOR_LIST) and val.len and val.u.p:
            first = ctypes.cast(val.u.p, ctypes.POINTER(ctypes.POINTER(_Tensor)))[0]
            if not first:
                return ""
            t = first.contents
        else:
            return ""
        dims = ", ".join(str(t.sizes[d]) for d in range(t.dim)) + ("," if t.dim == 1 else "")
        text = f"{self._lib.ember_dtype_name(t.dtype).decode()} ({dims})"
        return text + (f" +{val.len - 1} more" if val.tag != VALUE_TENSOR and val.len > 1 else "")

    def _default_inputs(self) -> tuple[list, str]:
        """The inputs `ember profile` uses when none are given: float32/float64 tensors uniform
        in [-1, 1) from a fixed seed, other tensors zeros (indices stay valid), scalars 0."""
        rng = np.random.default_rng(0)
        values, desc = [], []
        for i in range(self.num_inputs):
            v = self._lib.ember_method_input(self._m, i)
            val = v.contents
            if val.tag != VALUE_TENSOR:
                values.append(0)
                desc.append(f"input {i}: {_SCALAR_KINDS.get(val.tag, 'value').lower()} 0")
                continue
            t = val.u.t.contents
            dt = _DTYPE_TO_NP.get(t.dtype)
            if dt is None:
                raise EmberError("not supported", f"input {i} has dtype code {t.dtype}")
            shape = tuple(t.sizes[d] for d in range(t.dim))
            random = dt in (np.dtype(np.float32), np.dtype(np.float64))
            values.append(rng.uniform(-1.0, 1.0, shape).astype(dt) if random else np.zeros(shape, dt))
            desc.append(f"input {i}: {self._output_text(v)} " + ("random uniform [-1, 1)" if random else "zeros"))
        return values, "; ".join(desc) or "none"

    def profile(self, *inputs: Any, runs: int = 10, warmup: int = 2, model: str = "") -> "Profile":
        """Runs `warmup` times, then `runs` times with every kernel and delegate call timed by
        the library's own profiler hook (ember_profiler_event reading clock_gettime in C: no
        Python runs during execute). Without inputs, float inputs are random and others zeros.
        Returns a Profile (ember/profile.py)."""
        from .profile import Measured, Profile

        lib = self._lib
        if not isinstance(runs, int) or not isinstance(warmup, int) or runs < 1 or warmup < 0:
            raise EmberError("invalid argument", f"runs must be >= 1 and warmup >= 0, got {runs!r} and {warmup!r}")
        if inputs and len(inputs) != self.num_inputs:
            raise EmberError("invalid argument",
                             f"method '{self.name}' takes {self.num_inputs} inputs, got {len(inputs)}")
        if inputs:
            desc = "; ".join(f"input {i}: given" for i in range(len(inputs)))
        else:
            inputs, desc = self._default_inputs()
            inputs = tuple(inputs)
        info = _MethodInfo()
        lib.ember_method_info_get(self._m, ctypes.byref(info))
        n = int(info.num_instructions)
        counters = (_ProfileCounter * max(1, n))()
        prof = _Profiler(ctypes.cast(lib.ember_clock_monotonic_ns, ctypes.c_void_p), None,
                         ctypes.cast(counters, ctypes.POINTER(_ProfileCounter)), n, 0)
        st = lib.ember_method_set_event_hook(self._m, ctypes.cast(lib.ember_profiler_event, ctypes.c_void_p),
                                             ctypes.addressof(prof))
        if st:
            raise self._fail(st)
        execute_ns = []
        try:  # the hook points at `prof`: it must be cleared before `prof` goes away
            for run in range(warmup + runs):
                self._borrowed = []
                for i, x in enumerate(inputs):  # every run: a run may consume its planned inputs
                    self.set_input(i, x)
                if run == warmup:
                    ctypes.memset(counters, 0, ctypes.sizeof(counters))
                t0 = time.perf_counter_ns()  # CLOCK_MONOTONIC on Linux, as the hook's clock
                st = lib.ember_method_execute(self._m)
                t1 = time.perf_counter_ns()
                if st:
                    raise self._fail(st)
                if run >= warmup:
                    execute_ns.append(t1 - t0)
            empty_ns = lib.ember_profiler_overhead(ctypes.byref(prof))
        finally:
            lib.ember_method_set_event_hook(self._m, None, None)
        measured = []
        for i in range(n):
            c = counters[i]
            ins = _InstructionInfo()
            if not c.calls or lib.ember_method_instruction(self._m, i, ctypes.byref(ins)):
                continue
            out = ins.args[ins.num_args - 1] if ins.num_args else None
            measured.append(Measured(i, ins.name.decode("utf-8", "replace"),
                                     "delegate" if ins.kind == INSTRUCTION_DELEGATE else "kernel",
                                     self._output_text(out), int(c.calls), int(c.ticks)))
        return Profile(model or "<bytes>", self.name, runs, warmup, desc, empty_ns, execute_ns, measured)

    def __del__(self) -> None:
        m = getattr(self, "_m", None)
        if m:
            self._lib.ember_method_destroy(m)
            self._m = None
        self._pool = None  # after the method: the pool may go now


class BundleCaseResult:
    """One test case of a bundled program, run: `passed` when every output element is within
    atol + rtol * |expected| (ints and bools equal); `error` names what kept it from running."""

    def __init__(self, method: str, case: int, passed: bool, max_abs_error: float = float("nan"),
                 worst_output: int = 0, mismatches: int = 0, error: str = ""):
        self.method, self.case, self.passed = method, case, passed
        self.max_abs_error, self.worst_output, self.mismatches, self.error = (
            max_abs_error, worst_output, mismatches, error)

    def __repr__(self) -> str:
        if self.error:
            return f"<{self.method} case {self.case}: ERROR {self.error}>"
        return (f"<{self.method} case {self.case}: {'PASS' if self.passed else 'FAIL'} "
                f"max |error| {self.max_abs_error:.3g} at output {self.worst_output}>")


def _bundle_value(v: _BundleValue) -> Any:
    if v.tag == VALUE_TENSOR:
        dt = _DTYPE_TO_NP.get(v.dtype)
        if dt is None:
            raise EmberError("not supported", f"a bundled tensor has dtype code {v.dtype}")
        sizes = [v.sizes[d] for d in range(v.dim)]
        order = [v.dim_order[d] for d in range(v.dim)]
        stored = [sizes[o] for o in order]  # the shape as laid out in memory
        flat = np.frombuffer((ctypes.c_uint8 * v.nbytes).from_address(v.data), dtype=dt) if v.nbytes \
            else np.zeros(0, dtype=dt)
        return np.transpose(flat.reshape(stored), np.argsort(order)).copy()
    return {VALUE_INT: lambda: int(v.i), VALUE_DOUBLE: lambda: float(v.d), VALUE_BOOL: lambda: bool(v.b)}[v.tag]()


class Program:
    """A .pte program loaded by the C runtime. Its bytes (mapped or copied) live as long as the
    program or any method loaded from it. Loaded from a bundled program (.bpte), it is the
    program inside, and `bundle_suites`, `bundle_case` and `test_bundle` reach the test cases."""

    def __init__(self, source: Union[str, os.PathLike, bytes, bytearray, memoryview],
                 threads: Optional[int] = None, pack_weights: bool = True):
        lib = _library()
        self._lib = lib
        self.threads = _threads_arg(threads)  # the default of run, bench and profile
        if not isinstance(pack_weights, bool):
            raise EmberError("invalid argument", f"pack_weights must be True or False, got {pack_weights!r}")
        self.pack_weights = pack_weights
        self._pools: dict[int, _Pool] = {}
        self._image = _Image(lib, source)
        self.file_bytes = self._image.size
        self.source = "<bytes>" if isinstance(source, (bytes, bytearray, memoryview)) else os.fspath(source)
        self._methods: dict[str, Method] = {}

    def _pool(self, threads: Optional[int]) -> Optional[_Pool]:
        """The pool for `threads` (None: the program's default), started on first use; None for
        one thread."""
        n = self.threads if threads is None else _threads_arg(threads)
        if n == 1:
            return None
        if n not in self._pools:
            self._pools[n] = _Pool(self._lib, n)
        return self._pools[n]

    def _method_on(self, name: str, threads: Optional[int]) -> Method:
        pool = self._pool(threads)  # checks threads before anything runs
        m = self.method(name)
        m._use_pool(pool)
        return m

    @property
    def _handle(self) -> ctypes.c_void_p:
        return self._image.handle

    def _error(self) -> str:
        return self._image.error()

    @property
    def method_names(self) -> list[str]:
        n = self._lib.ember_program_method_count(self._handle)
        return [self._lib.ember_program_method_name(self._handle, i).decode("utf-8", "surrogateescape")
                for i in range(n)]

    @property
    def constant_bytes(self) -> int:
        return int(self._lib.ember_program_constant_bytes(self._handle))

    def method_spec(self, name: str) -> tuple[str, str]:
        """The (inputs, outputs) pytree specs the exporter stored for `name` (torch's treespec
        JSON; "" when absent)."""
        cname = _method_name(name)
        for i in range(self._lib.ember_program_method_count(self._handle)):
            if self._lib.ember_program_method_name(self._handle, i) == cname:
                ins, outs = ctypes.c_char_p(), ctypes.c_char_p()
                if self._lib.ember_program_method_spec(self._handle, i, ctypes.byref(ins), ctypes.byref(outs)):
                    return "", ""
                return ((ins.value or b"").decode(errors="replace"), (outs.value or b"").decode(errors="replace"))
        return "", ""

    def method(self, name: str = "forward") -> Method:
        """The loaded method `name`, running on the program's default threads until a call of
        run, bench or profile with another `threads=` moves it."""
        _method_name(name)
        if name not in self._methods:
            m = Method(self._image, name, self.method_spec(name)[1], self.pack_weights)
            m._use_pool(self._pool(None))
            self._methods[name] = m
        return self._methods[name]

    def run(self, *inputs: Any, method: str = "forward", flat: bool = False,
            threads: Optional[int] = None) -> Any:
        """Runs `method` on numpy/torch inputs on `threads` threads (None: the program's
        default, see load); see Method.run for what comes back."""
        return self._method_on(method, threads).run(*inputs, flat=flat)

    def profile(self, *inputs: Any, method: str = "forward", runs: int = 10, warmup: int = 2,
                threads: Optional[int] = None) -> "Profile":
        """Times every kernel and delegate call of `method` over `runs` runs (after `warmup`)
        on `threads` threads (None: the program's default); without inputs, float inputs are
        random and others zeros. Returns a Profile (ember/profile.py): `.table()` (as `ember
        profile` prints it), `.to_json()`, `.to_csv()`."""
        m = self._method_on(method, threads)
        return m.profile(*inputs, runs=runs, warmup=warmup, model=self.source)

    def bench(self, *inputs: Any, method: str = "forward", warmup: int = 5, iters: int = 50,
              threads: Optional[int] = None) -> "BenchResult":
        """Times whole executes of `method` on `threads` threads (None: the program's default,
        see load): `warmup` untimed, then `iters` timed with time.perf_counter_ns. Returns a
        BenchResult (ember/bench.py): min, median, p90, max, mean, `.latencies_ms`, `.plot()`,
        `threads_requested` and `threads_used`."""
        from .bench import run

        requested = self.threads if threads is None else _threads_arg(threads)
        return run(self._method_on(method, requested), inputs, warmup=warmup, iters=iters,
                   threads=requested, model=self.source)

    # ---- bundled programs ----

    @property
    def is_bundle(self) -> bool:
        return self._image.bundle is not None

    def _bundle(self) -> "ctypes._Pointer":
        if self._image.bundle is None:
            raise EmberError("invalid argument", "this program is not a bundled program (.bpte): it has no test cases")
        return ctypes.byref(self._image.bundle)

    def _bundle_error(self) -> str:
        return self._image.bundle.error.decode(errors="replace")

    @property
    def bundle_suites(self) -> list[tuple[str, int]]:
        """(method name, number of test cases) for each test suite of a bundled program."""
        b, lib = self._bundle(), self._lib
        return [(lib.ember_bundle_suite_method(b, s).decode("utf-8", "surrogateescape"), int(lib.ember_bundle_case_count(b, s)))
                for s in range(lib.ember_bundle_suite_count(b))]

    def bundle_case(self, suite: int, case: int) -> tuple[list, list]:
        """The stored (inputs, expected outputs) of a test case: numpy arrays and numbers."""
        b, lib = self._bundle(), self._lib
        out = ([], [])
        for values, count, get in ((out[0], lib.ember_bundle_input_count, lib.ember_bundle_input),
                                   (out[1], lib.ember_bundle_expected_count, lib.ember_bundle_expected)):
            for i in range(count(b, suite, case)):
                v = _BundleValue()
                st = get(b, suite, case, i, ctypes.byref(v))
                if st:
                    raise EmberError(_status(lib, st), self._bundle_error())
                values.append(_bundle_value(v))
        return out

    def test_bundle(self, rtol: float = 1e-5, atol: float = 1e-6, method: Optional[str] = None) -> list[BundleCaseResult]:
        """Runs every test case of a bundled program (or of one method's suite) and compares the
        outputs with the stored expected ones: a float passes within atol + rtol * |expected|
        (the defaults are the CLI's, EMBER_BUNDLE_RTOL/ATOL in ember.h; ExecuTorch's verifier
        uses atol 1e-8), ints and bools must be equal. A case that cannot run is reported with
        its error, not raised."""
        b, lib = self._bundle(), self._lib
        results = []
        for s, (name, cases) in enumerate(self.bundle_suites):
            if method is not None and name != method:
                continue
            try:
                m = self.method(name)
            except EmberError as e:
                results += [BundleCaseResult(name, c, False, error=str(e)) for c in range(cases)]
                continue
            for c in range(cases):
                check = _BundleCheck()
                st = lib.ember_bundle_set_inputs(b, s, c, m._m)
                error = self._bundle_error() if st else ""
                if not st:
                    st = lib.ember_method_execute(m._m)
                    error = lib.ember_method_error(m._m).decode(errors="replace") if st else ""
                if not st:
                    st = lib.ember_bundle_check_outputs(b, s, c, m._m, rtol, atol, ctypes.byref(check))
                    error = self._bundle_error() if st else ""
                if st:
                    results.append(BundleCaseResult(name, c, False, error=f"{_status(lib, st)}: {error}"))
                else:
                    results.append(BundleCaseResult(name, c, bool(check.passed), float(check.max_abs_error),
                                                    int(check.worst_output), int(check.mismatches)))
        if method is not None and not any(r.method == method for r in results):
            raise EmberError("not found", f"the bundled program has no test cases for method '{method}'")
        return results


_operators: "frozenset[str] | None" = None


def supported_operators() -> "frozenset[str]":
    """Names of the operators the C runtime can run ("aten::add.out", ...). Raises EmberError
    when libember cannot be found."""
    global _operators
    if _operators is None:
        lib = _library()
        _operators = frozenset(lib.ember_operator_name(i).decode()
                               for i in range(lib.ember_operator_count()))
    return _operators


def cpu_features() -> list[str]:
    """The CPU features libember detected at run time and its kernels may select on ("avx2",
    "avx512f", "asimddp", ...; names as in /proc/cpuinfo)."""
    lib = _library()
    mask = lib.ember_cpu_features()
    need = lib.ember_cpu_features_str(mask, None, 0)
    buf = ctypes.create_string_buffer(need + 1)
    lib.ember_cpu_features_str(mask, buf, need + 1)
    return buf.value.decode().split()


def load(path_or_bytes: "str | os.PathLike | bytes | bytearray | memoryview",
         threads: Optional[int] = None, pack_weights: bool = True) -> Program:
    """Loads a .pte, or the program inside a bundled program (.bpte; then `test_bundle()` runs
    its test cases): a path is mapped read-only (weights are read in place, never copied);
    bytes are copied once into an aligned block. Its methods run on `threads` threads (1 to
    1024; None: cpu_count(), the CPUs this process may use; 1: no pool), unless a run, bench or
    profile call says otherwise. With `pack_weights` (the default) each method also keeps the
    fast kernels' copies of their weights for this CPU (ember_method_pack:
    `Method.packed_weight_bytes` of memory; Winograd convolutions, large linears); False saves
    that memory and runs them from the file's layout."""
    return Program(path_or_bytes, threads, pack_weights)
