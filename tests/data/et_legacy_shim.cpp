// A verification aid for tests/data/make_legacy_files.py; not part of Ember, never linked into it.
//
// ExecuTorch's CMake build (and so the pip wheel's runtime) compiles with
// ET_ENABLE_DEPRECATED_CONSTANT_BUFFER=0: Program::load refuses a program whose constants are
// inline in Program.constant_buffer (constant_segment absent or with empty offsets), after the
// flatbuffer verifier has accepted it. The source default of that flag is 1, and then the runtime
// reads constant i from constant_buffer[i].storage. To check legacy fixtures against ExecuTorch's
// runtime anyway, this library is LD_PRELOADed into a Python process that uses the pip
// pybindings; it interposes three exported functions of libexecutorch.so (all reached through the
// PLT, so the preload wins):
//
//   internal::vlogf               forwards every log line, and notes the "relies on the
//                                 constant_buffer path" refusal;
//   Program::load                 calls the real one; only when that refused the file for that
//                                 reason (so the verifier and every earlier check passed), builds
//                                 the Program the source-default build would: no constant segment;
//   Program::get_constant_buffer_data
//                                 calls the real one when a constant segment was loaded;
//                                 otherwise returns constant_buffer[i].storage's bytes, with the
//                                 bounds checks (index < count, nbytes <= storage size).
//
// Build by hand (the .so is ignored by git):
//   ET=$(readlink -f .venv)/lib/python3.11/site-packages/executorch
//   g++ -std=c++17 -O1 -fPIC -shared -DC10_USING_CUSTOM_GENERATED_MACROS -I$ET/include \
//       -I$ET/include/executorch/runtime/core/portable_type/c10 \
//       -o tests/data/et_legacy_shim.so tests/data/et_legacy_shim.cpp \
//       -L$ET/lib -lexecutorch -Wl,-rpath,$ET/lib -ldl
// Then make_legacy_files.py runs each legacy file once more with it preloaded.

#include <dlfcn.h>

// Every standard header program.h pulls in, included before the access trick below.
#include <algorithm>
#include <array>
#include <cassert>
#include <cinttypes>
#include <cmath>
#include <complex>
#include <cstdarg>
#include <cstdint>
#include <cstring>
#include <exception>
#include <iosfwd>
#include <istream>
#include <iterator>
#include <limits>
#include <new>
#include <optional>
#include <ostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <typeinfo>
#include <utility>
#include <variant>

#include <executorch/runtime/core/data_loader.h>
#include <executorch/runtime/core/error.h>
#include <executorch/runtime/core/freeable_buffer.h>
#include <executorch/runtime/core/result.h>
#include <executorch/runtime/platform/log.h>

// Program's constructor and members are private; this aid needs them.
#define private public
#include <executorch/runtime/executor/program.h>
#undef private

using executorch::runtime::DataLoader;
using executorch::runtime::Error;
using executorch::runtime::FreeableBuffer;
using executorch::runtime::LogLevel;
using executorch::runtime::Program;
using executorch::runtime::Result;

namespace {

bool g_refused_constant_buffer = false;

uint32_t u32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
uint16_t u16(const uint8_t* p) {
  uint16_t v;
  std::memcpy(&v, p, 2);
  return v;
}
uint64_t u64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

// Position of field `id` inside `table`, or nullptr when absent (FlatBuffers vtable rules).
const uint8_t* field(const uint8_t* table, int id) {
  int32_t soff;
  std::memcpy(&soff, table, 4);
  const uint8_t* vt = table - soff;
  uint16_t vt_size = u16(vt);
  size_t entry = 4 + 2 * static_cast<size_t>(id);
  if (entry + 2 > vt_size) {
    return nullptr;
  }
  uint16_t off = u16(vt + entry);
  return off ? table + off : nullptr;
}

const uint8_t* deref(const uint8_t* p) {
  return p + u32(p);
}

// True when the root table keeps its constants inline: constant_segment (field 5) absent or
// with an empty/absent offsets vector. named_data (field 7) must be absent or empty: the real
// load would wrap it in a PteDataMap, which this aid does not build (it passes none).
bool uses_constant_buffer(const uint8_t* root) {
  const uint8_t* named = field(root, 7);
  if (named != nullptr && u32(deref(named)) != 0) {
    return false;
  }
  const uint8_t* cs = field(root, 5);
  if (cs == nullptr) {
    return true;
  }
  const uint8_t* offsets = field(deref(cs), 1);
  return offsets == nullptr || u32(deref(offsets)) == 0;
}

} // namespace

namespace executorch {
namespace runtime {
namespace internal {

void vlogf(
    LogLevel level,
    et_timestamp_t timestamp,
    const char* filename,
    const char* function,
    size_t line,
    const char* format,
    va_list args) {
  using Fn = void (*)(
      LogLevel, et_timestamp_t, const char*, const char*, size_t, const char*, va_list);
  static Fn real = reinterpret_cast<Fn>(dlsym(
      RTLD_NEXT,
      "_ZN10executorch7runtime8internal5vlogfENS0_8LogLevelEmPKcS4_mS4_P13__va_list_tag"));
  if (format != nullptr &&
      std::strstr(format, "relies on the constant_buffer path") != nullptr) {
    g_refused_constant_buffer = true;
  }
  if (real != nullptr) {
    real(level, timestamp, filename, function, line, format, args);
  }
}

} // namespace internal

Result<Program> Program::load(DataLoader* loader, Program::Verification verification) {
  using Fn = Result<Program> (*)(DataLoader*, Program::Verification);
  static Fn real = reinterpret_cast<Fn>(dlsym(
      RTLD_NEXT,
      "_ZN10executorch7runtime7Program4loadEPNS0_10DataLoaderENS1_12VerificationE"));
  g_refused_constant_buffer = false;
  Result<Program> result = real(loader, verification);
  if (result.ok() || result.error() != Error::InvalidProgram || !g_refused_constant_buffer) {
    return result;
  }
  // The real load accepted everything up to the constant_buffer branch. Do what the
  // source-default build does there.
  Result<size_t> size = loader->size();
  if (!size.ok()) {
    return size.error();
  }
  DataLoader::SegmentInfo info(DataLoader::SegmentInfo::Type::Program);
  size_t program_size = size.get();
  size_t segment_base_offset = 0;
  if (program_size >= 40) {
    Result<FreeableBuffer> head = loader->load(0, 40, info);
    if (!head.ok()) {
      return head.error();
    }
    const uint8_t* h = static_cast<const uint8_t*>(head->data());
    if (std::memcmp(h + 8, "eh00", 4) == 0) {
      program_size = static_cast<size_t>(u64(h + 16));
      segment_base_offset = static_cast<size_t>(u64(h + 24));
    }
    head->Free();
  }
  Result<FreeableBuffer> data = loader->load(0, program_size, info);
  if (!data.ok()) {
    return data.error();
  }
  const uint8_t* base = static_cast<const uint8_t*>(data->data());
  const uint8_t* root = base + u32(base);
  if (!uses_constant_buffer(root)) {
    return Error::InvalidProgram;
  }
  ET_LOG(Info, "et_legacy_shim: reading constants from Program.constant_buffer");
  return Program(
      loader,
      segment_base_offset,
      std::move(data.get()),
      reinterpret_cast<const executorch_flatbuffer::Program*>(root),
      FreeableBuffer{},
      std::nullopt);
}

Result<const void*> Program::get_constant_buffer_data(size_t buffer_index, size_t nbytes) const {
  using Fn = Result<const void*> (*)(const Program*, size_t, size_t);
  static Fn real = reinterpret_cast<Fn>(dlsym(
      RTLD_NEXT, "_ZNK10executorch7runtime7Program24get_constant_buffer_dataEmm"));
  if (constant_segment_data_.data() != nullptr) {
    return real(this, buffer_index, nbytes);
  }
  const uint8_t* root = reinterpret_cast<const uint8_t*>(internal_program_);
  const uint8_t* cb = field(root, 2);
  size_t count = cb == nullptr ? 0 : u32(deref(cb));
  if (buffer_index >= count) {
    ET_LOG(Error, "et_legacy_shim: constant %zu out of range (%zu buffers)", buffer_index, count);
    return Error::InvalidArgument;
  }
  const uint8_t* elem = deref(cb) + 4 + 4 * buffer_index;
  const uint8_t* storage = field(deref(elem), 0);
  size_t storage_size = storage == nullptr ? 0 : u32(deref(storage));
  if (nbytes > storage_size) {
    ET_LOG(Error, "et_legacy_shim: constant %zu wants %zu bytes, storage has %zu",
           buffer_index, nbytes, storage_size);
    return Error::InvalidArgument;
  }
  return static_cast<const void*>(storage == nullptr ? nullptr : deref(storage) + 4);
}

} // namespace runtime
} // namespace executorch
