// Amount columns to int64 fen. The arrays are converted and checked first; the loop then
// runs without the GIL (it touches only the two buffers, which Python cannot free while
// they are referenced here).
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
      [](const Doubles& in, std::optional<Rounding> rounding, const std::string& column) {
        Int64s out(in.size());
        auto src = yibao::bindings::in(in);
        auto dst = yibao::bindings::out(out);
        py::gil_scoped_release release;
        yibao::fen_from_doubles(src, dst, as_pointer(rounding), column);
        return out;
      },
      py::arg("values"), py::arg("rounding"), py::arg("column"));

  m.def(
      "fen_from_decimal128",
      [](const Words& words, int scale, std::optional<Rounding> rounding,
         const std::string& column) {
        Int64s out(words.size() / 2);
        auto src = yibao::bindings::in(words);
        auto dst = yibao::bindings::out(out);
        py::gil_scoped_release release;
        yibao::fen_from_decimal128s(src, scale, dst, as_pointer(rounding), column);
        return out;
      },
      py::arg("words"), py::arg("scale"), py::arg("rounding"), py::arg("column"));

  m.def(
      "fen_from_int64",
      [](const Int64s& in, std::int64_t fen_per_unit, const std::string& column) {
        Int64s out(in.size());
        auto src = yibao::bindings::in(in);
        auto dst = yibao::bindings::out(out);
        py::gil_scoped_release release;
        yibao::fen_from_integers(src, fen_per_unit, dst, column);
        return out;
      },
      py::arg("values"), py::arg("fen_per_unit"), py::arg("column"));
}
