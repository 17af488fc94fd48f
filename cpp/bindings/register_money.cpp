// Amount columns to int64 fen. The arrays are converted and checked first; the loop then
// runs without the GIL (it touches only the two buffers, which Python cannot free while
// they are referenced here).
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <optional>
#include <span>
#include <string>

#include "yibao/convert.hpp"

namespace py = pybind11;
using yibao::Rounding;

namespace {

using Doubles = py::array_t<double, py::array::c_style>;
using Int64s = py::array_t<std::int64_t, py::array::c_style>;
using Words = py::array_t<std::uint64_t, py::array::c_style>;

const Rounding* as_pointer(const std::optional<Rounding>& r) {
  return r ? &*r : nullptr;
}

template <class T>
std::span<const T> view(const py::array_t<T, py::array::c_style>& a) {
  return {a.data(), static_cast<std::size_t>(a.size())};
}

std::span<std::int64_t> view_mut(Int64s& a) {
  return {a.mutable_data(), static_cast<std::size_t>(a.size())};
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
        auto src = view(in);
        auto dst = view_mut(out);
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
        auto src = view(words);
        auto dst = view_mut(out);
        py::gil_scoped_release release;
        yibao::fen_from_decimal128s(src, scale, dst, as_pointer(rounding), column);
        return out;
      },
      py::arg("words"), py::arg("scale"), py::arg("rounding"), py::arg("column"));

  m.def(
      "fen_from_int64",
      [](const Int64s& in, std::int64_t fen_per_unit, const std::string& column) {
        Int64s out(in.size());
        auto src = view(in);
        auto dst = view_mut(out);
        py::gil_scoped_release release;
        yibao::fen_from_integers(src, fen_per_unit, dst, column);
        return out;
      },
      py::arg("values"), py::arg("fen_per_unit"), py::arg("column"));
}
