// Arrow string buffers → int8 label codes, read in place (no Python strings are made).
// The buffers are converted to spans first; the loop then runs without the GIL, reading
// only those buffers (kept alive by the arguments) and writing the new output array.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "arrays.hpp"
#include "yibao/labels.hpp"

namespace py = pybind11;

namespace {

using yibao::bindings::Column;
using yibao::bindings::in;

template <class Offset>
Column<std::int8_t> codes(const Column<Offset>& offsets, const Column<std::uint8_t>& data,
                          const std::optional<Column<std::uint8_t>>& validity,
                          std::int64_t bit_offset, const yibao::LabelTable& table,
                          std::int64_t row_base, const std::string& column) {
  const auto n = offsets.size() > 0 ? static_cast<std::size_t>(offsets.size() - 1) : 0;
  Column<std::int8_t> out(n);
  const auto off = in(offsets);
  const std::span<const char> bytes(reinterpret_cast<const char*>(data.data()),
                                    static_cast<std::size_t>(data.size()));
  const auto valid = validity ? in(*validity) : std::span<const std::uint8_t>{};
  const std::span<std::int8_t> dst(out.mutable_data(), n);
  py::gil_scoped_release release;
  yibao::label_codes<Offset>(off, bytes, valid, bit_offset, table, dst, row_base, column);
  return out;
}

}  // namespace

void register_labels(py::module_& m) {
  py::class_<yibao::LabelTable>(m, "LabelTable")
      .def(py::init([](std::vector<std::string> labels, std::vector<std::int8_t> codes) {
             return yibao::LabelTable{std::move(labels), std::move(codes)};
           }),
           py::arg("labels"), py::arg("codes"));
  m.def("label_codes", &codes<std::int32_t>, py::arg("offsets"), py::arg("data"),
        py::arg("validity"), py::arg("bit_offset"), py::arg("table"), py::arg("row_base"),
        py::arg("column"));
  m.def("label_codes", &codes<std::int64_t>, py::arg("offsets"), py::arg("data"),
        py::arg("validity"), py::arg("bit_offset"), py::arg("table"), py::arg("row_base"),
        py::arg("column"));
}
