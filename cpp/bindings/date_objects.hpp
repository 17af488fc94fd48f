// Service dates read by the core before the pass (issue 15): `datetime.date` objects through
// CPython's datetime C API, and ISO `YYYY-MM-DD` text from Arrow string buffers, as days since
// 1970-01-01. Anything else returns None, and the caller hands the column to pyarrow, which
// reads it or leaves it to the careful converter (_claims) to word.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

// After Python.h (from pybind11), which it needs.
#include <datetime.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <cstring>

#include "arrays.hpp"
#include "object_column.hpp"
#include "yibao/calendar.hpp"
#include "yibao/parallel.hpp"

namespace yibao::bindings {

// The day of each value of `values` (a numpy object array), or None at a value that is not
// exactly a `datetime.date` (a datetime, a Timestamp, a missing value: pyarrow's to read).
// The objects are read on up to `threads` threads while the calling thread holds the GIL (see
// ObjectColumn::all_of).
inline pybind11::object days_from_date_objects(const pybind11::array& values, std::size_t threads) {
  if (PyDateTimeAPI == nullptr) {
    PyDateTime_IMPORT;
    if (PyDateTimeAPI == nullptr) throw pybind11::error_already_set();
  }
  const ObjectColumn column(values);
  const PyTypeObject* date_type = PyDateTimeAPI->DateType;
  auto out = new_column<std::int32_t>(column.rows());
  std::int32_t* day = out.mutable_data();
  const bool all = column.all_of(threads, [&](std::size_t i, PyObject* object) {
    if (Py_TYPE(object) != date_type) return false;
    day[i] = static_cast<std::int32_t>(days_from_civil_wide(
        PyDateTime_GET_YEAR(object), PyDateTime_GET_MONTH(object), PyDateTime_GET_DAY(object)));
    return true;
  });
  if (!all) return pybind11::none();
  return out;
}

// A month read from `YYYY-MM-`: the day before its first, and its length in days.
struct IsoMonth {
  std::uint64_t prefix = 0;  // the 8 bytes it was read from; 0: none yet
  std::int32_t before = 0;
  std::int32_t length = 0;
};

// The month of the 8 bytes `YYYY-MM-` at p, or false if they are not one.
inline bool iso_month(const char* p, IsoMonth& out) {
  if (p[4] != '-' || p[7] != '-') return false;
  int digits[6];
  const int at[6] = {0, 1, 2, 3, 5, 6};
  unsigned not_digit = 0;
  for (int k = 0; k < 6; ++k) {
    digits[k] = p[at[k]] - '0';
    not_digit |= static_cast<unsigned>(digits[k]) > 9U ? 1U : 0U;
  }
  if (not_digit != 0) return false;
  const int year = ((digits[0] * 10 + digits[1]) * 10 + digits[2]) * 10 + digits[3];
  const int month = digits[4] * 10 + digits[5];
  if (year < 1 || month < 1 || month > 12) return false;
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  constexpr int month_days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  std::memcpy(&out.prefix, p, 8);
  out.before = static_cast<std::int32_t>(days_from_civil_wide(year, month, 1)) - 1;
  out.length = month_days[month - 1] + (month == 2 && leap ? 1 : 0);
  return true;
}

// The day of `YYYY-MM-DD` (exactly ten bytes, a real calendar date), or false. The months
// read are kept in `months` (a few years of claims hold a few dozen): a row then costs a
// comparison of its first 8 bytes and two digits.
inline bool iso_day(const char* p, std::size_t length, std::array<IsoMonth, 128>& months,
                    std::int32_t& out) {
  if (length != 10) return false;
  std::uint64_t prefix = 0;
  std::memcpy(&prefix, p, 8);
  IsoMonth& month = months[static_cast<std::size_t>((prefix * 0x9E3779B97F4A7C15ULL) >> 57)];
  if (month.prefix != prefix && !iso_month(p, month)) return false;
  const int tens = p[8] - '0', ones = p[9] - '0';
  if (static_cast<unsigned>(tens) > 9U || static_cast<unsigned>(ones) > 9U) return false;
  const int day = tens * 10 + ones;
  if (day < 1 || day > month.length) return false;
  out = month.before + day;
  return true;
}

// The day of each row of an ISO date text column (one Arrow chunk: offsets into data, no
// nulls), or None if a row is not exactly `YYYY-MM-DD` or not a calendar date. No Python
// objects: runs on up to `threads` threads without the GIL.
template <class Offset>
pybind11::object days_from_iso_text(
    const pybind11::array_t<Offset, pybind11::array::c_style>& offsets,
    const pybind11::array_t<std::uint8_t, pybind11::array::c_style>& data, std::size_t threads) {
  if (offsets.size() < 1) throw pybind11::value_error("offsets need at least one entry");
  const auto n = static_cast<std::size_t>(offsets.size() - 1);
  const Offset* at = offsets.data();
  const auto* bytes = reinterpret_cast<const char*>(data.data());
  const auto size = static_cast<Offset>(data.size());
  auto out = new_column<std::int32_t>(n);
  std::int32_t* day = out.mutable_data();
  std::atomic<bool> all{true};
  {
    const pybind11::gil_scoped_release release;
    for_each_range(n, threads, [&](std::size_t first, std::size_t last) {
      bool ok = true;
      std::array<IsoMonth, 128> months{};
      for (std::size_t i = first; i < last && ok; ++i) {
        ok = at[i] >= 0 && at[i + 1] >= at[i] && at[i + 1] <= size &&
             iso_day(bytes + at[i], static_cast<std::size_t>(at[i + 1] - at[i]), months, day[i]);
      }
      if (!ok) all.store(false, std::memory_order_relaxed);
    });
  }
  if (!all.load()) return pybind11::none();
  return out;
}

}  // namespace yibao::bindings
