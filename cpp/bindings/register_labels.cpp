// Arrow string buffers → int8 label codes, read in place (no Python strings are made).
// The buffers are converted to spans first; the loop then runs without the GIL, reading
// only those buffers (kept alive by the arguments) and writing the new output array.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
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
Column<std::int8_t> codes(const py::list& chunks, const yibao::LabelTable& table,
                          const std::string& column, std::size_t threads) {
  const yibao::bindings::StringChunks<Offset> strings(chunks);
  auto out = yibao::bindings::new_column<std::int8_t>(strings.rows());
  const std::span<std::int8_t> dst(out.mutable_data(), strings.rows());
  py::gil_scoped_release release;
  yibao::label_codes<Offset>(strings.spans(), table, dst, column, threads);
  return out;
}

template <class Out>
Column<Out> recode(const Column<std::uint16_t>& codes, const Column<Out>& table,
                   std::size_t threads) {
  auto out = yibao::bindings::new_column<Out>(static_cast<std::size_t>(codes.size()));
  const auto src = in(codes);
  const auto lookup = in(table);
  const auto dst = yibao::bindings::out(out);
  py::gil_scoped_release release;
  yibao::recode<Out>(src, lookup, dst, threads);
  return out;
}

}  // namespace

void register_labels(py::module_& m) {
  py::class_<yibao::LabelTable>(m, "LabelTable")
      .def(py::init([](std::vector<std::string> labels, std::vector<std::int8_t> codes) {
             return yibao::LabelTable{std::move(labels), std::move(codes)};
           }),
           py::arg("labels"), py::arg("codes"));
  m.def(
      "label_codes",
      [](const py::list& chunks, bool large, const yibao::LabelTable& table,
         const std::string& column, std::size_t threads) {
        return large ? codes<std::int64_t>(chunks, table, column, threads)
                     : codes<std::int32_t>(chunks, table, column, threads);
      },
      py::arg("chunks"), py::arg("large"), py::arg("table"), py::arg("column"),
      py::arg("threads") = 1);
  m.def(
      "codes_present",
      [](const Column<std::uint16_t>& codes, std::size_t n_codes, std::size_t threads) {
        const auto src = in(codes);
        std::vector<std::uint8_t> present;
        {
          py::gil_scoped_release release;
          present = yibao::codes_present(src, n_codes, threads);
        }
        Column<std::uint8_t> out(present.size());
        std::copy(present.begin(), present.end(), out.mutable_data());
        return out;
      },
      py::arg("codes"), py::arg("n_codes"), py::arg("threads") = 1);
  m.def("recode", &recode<std::int8_t>, py::arg("codes"), py::arg("table"), py::arg("threads") = 1);
  m.def("recode", &recode<std::int16_t>, py::arg("codes"), py::arg("table"),
        py::arg("threads") = 1);
}
