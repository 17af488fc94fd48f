// Text columns read by the core before the pass (issue 15): label codes matched straight from
// Python str objects, an object column of str copied into one Arrow chunk, and text keys
// factorized by their bytes.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "object_column.hpp"
#include "yibao/labels.hpp"

namespace yibao::bindings {

// The UTF-8 bytes of a str (compact ASCII: its own data; others: CPython's cached UTF-8), or
// false if `object` is not a str or has no UTF-8 form (a lone surrogate). Needs the GIL.
inline bool str_bytes(PyObject* object, std::string_view& out) {
  if (!PyUnicode_Check(object)) return false;
  Py_ssize_t size = 0;
  const char* text = nullptr;
  if (PyUnicode_IS_COMPACT_ASCII(object)) {
    size = PyUnicode_GET_LENGTH(object);
    text = static_cast<const char*>(PyUnicode_DATA(object));
  } else {
    text = PyUnicode_AsUTF8AndSize(object, &size);
    if (text == nullptr) {
      PyErr_Clear();
      return false;
    }
  }
  out = std::string_view(text, static_cast<std::size_t>(size));
  return true;
}

// The vocabulary code of each value of `values` (a numpy object array), matched from the str
// objects' own bytes: -1 where a value is not a str or not a spelling of `table` (the pass
// stops at that row's block and the careful converter words it). Compact ASCII strings (most
// labels) are read on up to `threads` threads while the calling thread holds the GIL (see
// ObjectColumn::all_of); others need the Python API for their UTF-8, so this thread reads
// them after.
inline pybind11::array_t<std::int8_t> label_codes_from_objects(const pybind11::array& values,
                                                               const LabelTable& table,
                                                               std::size_t threads) {
  const ObjectColumn column(values);
  const LabelMatcher matcher(table);
  pybind11::array_t<std::int8_t> out(static_cast<pybind11::ssize_t>(column.rows()));
  std::int8_t* code = out.mutable_data();
  constexpr std::int8_t later = -2;
  std::atomic<bool> any_later{false};
  column.all_of(threads, [&](std::size_t i, PyObject* object) {
    if (!PyUnicode_Check(object)) {
      code[i] = -1;
    } else if (PyUnicode_IS_COMPACT_ASCII(object)) {
      const std::string_view text(static_cast<const char*>(PyUnicode_DATA(object)),
                                  static_cast<std::size_t>(PyUnicode_GET_LENGTH(object)));
      code[i] = static_cast<std::int8_t>(label_code(matcher, text));
    } else {
      code[i] = later;
      any_later.store(true, std::memory_order_relaxed);
    }
    return true;
  });
  if (any_later.load()) {
    for (std::size_t i = 0; i < column.rows(); ++i) {
      if (code[i] != later) continue;
      std::string_view text;
      code[i] = static_cast<std::int8_t>(
          str_bytes(column.at(i, column.rows()), text) ? label_code(matcher, text) : -1);
    }
  }
  return out;
}

// (offsets, data) of the strings of `values` (a numpy object array) as one Arrow
// large_string chunk, or None if a value is not a str (e.g. a missing value: the careful
// converter words it). One pass over the objects, then one sequential copy of the bytes.
inline pybind11::object string_chunk_from_objects(const pybind11::array& values) {
  const ObjectColumn column(values);
  const std::size_t n = column.rows();
  pybind11::array_t<std::int64_t> offsets(static_cast<pybind11::ssize_t>(n + 1));
  std::int64_t* offset = offsets.mutable_data();
  offset[0] = 0;
  std::string bytes;
  bytes.reserve(n * 12);
  for (std::size_t i = 0; i < n; ++i) {
    std::string_view text;
    if (!str_bytes(column.at(i, n), text)) return pybind11::none();
    bytes.append(text);
    offset[i + 1] = static_cast<std::int64_t>(bytes.size());
  }
  pybind11::array_t<std::uint8_t> data(static_cast<pybind11::ssize_t>(bytes.size()));
  if (!bytes.empty()) std::memcpy(data.mutable_data(), bytes.data(), bytes.size());
  return pybind11::make_tuple(offsets, data);
}

// A hash of a key's bytes: its words folded with a multiply-xorshift, then mixed (the keys
// are member ids, not adversarial; a collision costs a comparison, never a wrong code).
inline std::uint64_t key_hash(std::string_view key) {
  std::uint64_t h = 0x9E3779B97F4A7C15ULL ^ key.size();
  std::size_t at = 0;
  for (; at + 8 <= key.size(); at += 8) {
    std::uint64_t word = 0;
    std::memcpy(&word, key.data() + at, 8);
    h = (h ^ word) * 0xBF58476D1CE4E5B9ULL;
    h ^= h >> 31;
  }
  std::uint64_t tail = 0;
  if (at < key.size()) std::memcpy(&tail, key.data() + at, key.size() - at);
  // MurmurHash3's finalizer: every bit of the key reaches the low bits the table uses (a
  // bare multiply leaves them to the first bytes, "1".."9" for member ids: long probes).
  h ^= tail;
  h = (h ^ (h >> 33)) * 0xFF51AFD7ED558CCDULL;
  h = (h ^ (h >> 33)) * 0xC4CEB9FE1A85EC53ULL;
  return h ^ (h >> 33);
}

// Dense codes of text keys in order of first appearance (as pd.factorize gives them), by an
// open-addressing table over the keys' bytes. Rows go by blocks: a key equal to the row before
// it (each member's rows together, as sorted claims have them) costs one comparison; the
// others are hashed first and their slots fetched from memory together, then looked up in
// row order (shuffled rows put each key's slot anywhere: a miss a row the core would
// otherwise wait for in turn).
class TextCodes {
 public:
  static constexpr std::size_t block = 256;

  // Codes of `n` keys, key(i) giving row i's bytes, into `code`. False if there are 2^31
  // distinct keys or a key of 4 GiB (the slots hold 32-bit codes and lengths).
  template <class KeyAt>
  bool run(std::size_t n, KeyAt key, std::int64_t* code) {
    std::array<std::uint64_t, block> hashes{};
    std::array<std::uint32_t, block> rows{};
    std::array<bool, block> same{};  // the row's key is the row before's
    for (std::size_t first = 0; first < n; first += block) {
      const std::size_t last = std::min(n, first + block);
      grow_for(keys_.size() + (last - first));
      std::size_t pending = 0;
      for (std::size_t i = first; i < last; ++i) {
        same[i - first] = i > 0 && key(i) == key(i - 1);
        if (same[i - first]) continue;
        const std::uint64_t h = key_hash(key(i));
        __builtin_prefetch(&slots_[h & (slots_.size() - 1)]);
        hashes[pending] = h;
        rows[pending++] = static_cast<std::uint32_t>(i - first);
      }
      for (std::size_t k = 0; k < pending; ++k) {
        const std::size_t i = first + rows[k];
        const std::int64_t found = code_of(key(i), hashes[k]);
        if (found < 0) return false;
        code[i] = found;
      }
      for (std::size_t i = std::max<std::size_t>(first, 1); i < last; ++i) {
        if (same[i - first]) code[i] = code[i - 1];
      }
    }
    return true;
  }

 private:
  // A key's first 16 bytes (zero past its end) and its length: what a slot holds and compares.
  struct Slot {
    std::uint64_t low = 0, high = 0;
    std::uint32_t length = 0;
    std::int32_t code = -1;
  };

  static Slot slot_for(std::string_view key, std::int32_t code) {
    Slot slot;
    std::memcpy(&slot.low, key.data(), std::min<std::size_t>(key.size(), 8));
    if (key.size() > 8)
      std::memcpy(&slot.high, key.data() + 8, std::min<std::size_t>(key.size() - 8, 8));
    slot.length = static_cast<std::uint32_t>(key.size());
    slot.code = code;
    return slot;
  }

  std::int64_t code_of(std::string_view key, std::uint64_t h) {
    if (key.size() > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max())) return -1;
    if (key.size() == 0 || key.data() == nullptr) key = std::string_view("", 0);
    const Slot wanted = slot_for(key, 0);
    std::size_t s = static_cast<std::size_t>(h) & (slots_.size() - 1);
    for (;; s = (s + 1) & (slots_.size() - 1)) {
      const Slot& slot = slots_[s];
      if (slot.code < 0) break;
      if (slot.low == wanted.low && slot.high == wanted.high && slot.length == wanted.length &&
          (key.size() <= 16 || keys_[static_cast<std::size_t>(slot.code)] == key))
        return slot.code;
    }
    if (keys_.size() >= static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max()))
      return -1;
    const auto code = static_cast<std::int32_t>(keys_.size());
    slots_[s] = slot_for(key, code);
    keys_.push_back(key);
    return code;
  }

  // Room for `keys` keys at a load of at most one half.
  void grow_for(std::size_t keys) {
    if (2 * keys <= slots_.size()) return;
    std::size_t size = std::max<std::size_t>(slots_.size(), 1024);
    while (2 * keys > size) size *= 2;
    slots_.assign(size, Slot{});
    for (std::size_t code = 0; code < keys_.size(); ++code) {
      std::size_t s = static_cast<std::size_t>(key_hash(keys_[code])) & (size - 1);
      while (slots_[s].code >= 0) s = (s + 1) & (size - 1);
      slots_[s] = slot_for(keys_[code], static_cast<std::int32_t>(code));
    }
  }

  std::vector<Slot> slots_;
  std::vector<std::string_view> keys_;  // by code: views into the column's own bytes
};

// Codes of a text key column (one Arrow chunk: offsets into data, no nulls), dense, in order
// of first appearance. None if the offsets are malformed (the caller's general route words
// it). No Python objects: runs without the GIL.
template <class Offset>
pybind11::object text_codes(const pybind11::array_t<Offset, pybind11::array::c_style>& offsets,
                            const pybind11::array_t<std::uint8_t, pybind11::array::c_style>& data) {
  if (offsets.size() < 1) throw pybind11::value_error("offsets need at least one entry");
  const auto n = static_cast<std::size_t>(offsets.size() - 1);
  const Offset* at = offsets.data();
  const auto* bytes = reinterpret_cast<const char*>(data.data());
  const auto size = static_cast<Offset>(data.size());
  pybind11::array_t<std::int64_t> codes(static_cast<pybind11::ssize_t>(n));
  std::int64_t* code = codes.mutable_data();
  bool done = true;
  {
    const pybind11::gil_scoped_release release;
    bool malformed = at[0] < 0 || at[n] > size;
    for (std::size_t i = 0; i < n; ++i) malformed |= at[i + 1] < at[i];
    if (malformed) {
      done = false;
    } else {
      const auto key = [&](std::size_t i) {
        return std::string_view(bytes + at[i], static_cast<std::size_t>(at[i + 1] - at[i]));
      };
      done = TextCodes().run(n, key, code);
    }
  }
  if (!done) return pybind11::none();
  return codes;
}

}  // namespace yibao::bindings
