// decimal.Decimal objects → int64 fen, read from the objects' own digits without calling into
// Python: the only conversion of an object column of amounts that is not bounded by the
// interpreter (pyarrow and str() take 0.2-0.7 µs a value; this a few ns). It reads CPython's
// C decimal object (Modules/_decimal/_decimal.c, the same from 3.3 to 3.13): the object
// header, the hash, then libmpdec's mpd_t. The Python layer checks it on known values when
// it loads (yibao/_frame.py) and does not use it if any differs.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <array>
#include <cstdint>
#include <limits>
#include <optional>

#include "arrays.hpp"
#include "object_column.hpp"

namespace yibao::bindings {

struct MpdView {  // libmpdec's mpd_t on a 64-bit build (radix 10^19)
  std::uint8_t flags;
  std::int64_t exp;
  std::int64_t digits;
  std::int64_t len;
  std::int64_t alloc;
  const std::uint64_t* data;
};

struct DecimalObjectView {
  PyObject_HEAD Py_hash_t hash;
  MpdView dec;
};

inline constexpr std::uint8_t mpd_negative = 1;
inline constexpr std::uint8_t mpd_special = 2 | 4 | 8;  // infinity, NaN, signalling NaN

// The fen of one Decimal, when it is finite, has at most two decimal places that are not
// zero, and fits int64; nothing otherwise (the careful converter in _claims words or rounds it).
inline std::optional<std::int64_t> exact_fen(const MpdView& d) {
  static constexpr auto powers = [] {
    std::array<std::uint64_t, 20> p{};
    p[0] = 1;
    for (std::size_t k = 1; k < p.size(); ++k) p[k] = p[k - 1] * 10;
    return p;
  }();
  if ((d.flags & mpd_special) != 0 || d.len != 1) return std::nullopt;
  const std::uint64_t coefficient = d.data[0];
  const std::int64_t shift = d.exp + 2;  // fen = coefficient × 10^shift
  std::uint64_t fen = 0;
  if (coefficient == 0) {
    fen = 0;
  } else if (shift >= 0) {
    if (shift >= 19) return std::nullopt;
    // (A multiply that checks itself: decimal(., 2), the usual case, has shift 0, and a
    // division a value by a power not known when compiling cost more than the rest.)
    if (__builtin_mul_overflow(coefficient, powers[static_cast<std::size_t>(shift)], &fen))
      return std::nullopt;
  } else {
    if (-shift >= 20) return std::nullopt;
    const std::uint64_t scale = powers[static_cast<std::size_t>(-shift)];
    if (coefficient % scale != 0) return std::nullopt;  // more than 2 decimal places
    fen = coefficient / scale;
  }
  if (fen > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
    return std::nullopt;
  const auto value = static_cast<std::int64_t>(fen);
  return (d.flags & mpd_negative) != 0 ? -value : value;
}

// Every value of `values` (a numpy object array) as fen, or None at a value that is not a
// `decimal_type` object exactly or does not give an exact fen. The objects are read on up to
// `threads` threads while the calling thread holds the GIL (no Python call, no reference
// taken: no other Python code runs meanwhile to change them).
inline pybind11::object fen_from_decimal_objects(const pybind11::array& values,
                                                 const pybind11::handle& decimal_type,
                                                 std::size_t threads) {
  const ObjectColumn column(values);
  auto out = new_column<std::int64_t>(column.rows());
  std::int64_t* fen = out.mutable_data();
  const auto* type = reinterpret_cast<PyTypeObject*>(decimal_type.ptr());
  const bool all = column.all_of(threads, [&](std::size_t i, const PyObject* object) {
    if (Py_TYPE(object) != type) return false;
    const auto value = exact_fen(reinterpret_cast<const DecimalObjectView*>(object)->dec);
    fen[i] = value.value_or(0);
    return value.has_value();
  });
  if (!all) return pybind11::none();
  return out;
}

}  // namespace yibao::bindings
