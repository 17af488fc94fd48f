// Amount columns to int64 fen, timestamps to days, levels to codes. The arrays are converted and
// checked first; the loop then runs without the GIL (it touches only the two buffers, which Python
// cannot free while they are referenced here).
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <optional>
#include <span>
#include <string>

#include "arrays.hpp"
#include "yibao/convert.hpp"

namespace py = pybind11;
using yibao::Rounding;

namespace {

using yibao::bindings::Column;
using yibao::bindings::new_column;
using Doubles = Column<double>;
using Int64s = Column<std::int64_t>;
using Words = Column<std::uint64_t>;

const Rounding* as_pointer(const std::optional<Rounding>& r) {
  return r ? &*r : nullptr;
}

}  // namespace

void register_money(py::module_& m) {
  py::enum_<Rounding>(m, "Rounding")
      .value("half_up", Rounding::half_up)
      .value("half_even", Rounding::half_even)
      .value("down", Rounding::down);

  m.def(
      "fen_from_float64",
      [](const Doubles& in, std::optional<Rounding> rounding, const std::string& column,
         std::size_t threads) {
        Int64s out = new_column<std::int64_t>(static_cast<std::size_t>(in.size()));
        auto src = yibao::bindings::in(in);
        auto dst = yibao::bindings::out(out);
        py::gil_scoped_release release;
        yibao::fen_from_doubles(src, dst, as_pointer(rounding), column, threads);
        return out;
      },
      py::arg("values"), py::arg("rounding"), py::arg("column"), py::arg("threads") = 1);

  m.def(
      "fen_from_decimal128",
      [](const Words& words, int scale, std::optional<Rounding> rounding, const std::string& column,
         std::size_t threads) {
        Int64s out = new_column<std::int64_t>(static_cast<std::size_t>(words.size() / 2));
        auto src = yibao::bindings::in(words);
        auto dst = yibao::bindings::out(out);
        py::gil_scoped_release release;
        yibao::fen_from_decimal128s(src, scale, dst, as_pointer(rounding), column, threads);
        return out;
      },
      py::arg("words"), py::arg("scale"), py::arg("rounding"), py::arg("column"),
      py::arg("threads") = 1);

  m.def(
      "fen_from_int64",
      [](const Int64s& in, std::int64_t fen_per_unit, const std::string& column,
         std::size_t threads) {
        Int64s out = new_column<std::int64_t>(static_cast<std::size_t>(in.size()));
        auto src = yibao::bindings::in(in);
        auto dst = yibao::bindings::out(out);
        py::gil_scoped_release release;
        yibao::fen_from_integers(src, fen_per_unit, dst, column, threads);
        return out;
      },
      py::arg("values"), py::arg("fen_per_unit"), py::arg("column"), py::arg("threads") = 1);

  m.def(
      "days_from_timestamps",
      [](const Int64s& in, std::int64_t units_per_day, bool allow_missing,
         const std::string& column, std::size_t threads) {
        auto out = new_column<std::int32_t>(static_cast<std::size_t>(in.size()));
        auto src = yibao::bindings::in(in);
        auto dst = yibao::bindings::out(out);
        py::gil_scoped_release release;
        yibao::days_from_timestamps(src, units_per_day, allow_missing, dst, column, threads);
        return out;
      },
      py::arg("values"), py::arg("units_per_day"), py::arg("allow_missing"), py::arg("column"),
      py::arg("threads") = 1);

  m.def(
      "first_outside",
      [](const Int64s& values, std::int64_t low, std::int64_t high, std::size_t threads) {
        auto src = yibao::bindings::in(values);
        py::gil_scoped_release release;
        return yibao::first_outside(src, low, high, threads);
      },
      py::arg("values"), py::arg("low"), py::arg("high"), py::arg("threads") = 1);
  m.def(
      "first_descending",
      [](const Int64s& values, std::size_t threads) {
        auto src = yibao::bindings::in(values);
        py::gil_scoped_release release;
        return yibao::first_descending(src, threads);
      },
      py::arg("values"), py::arg("threads") = 1);
}
