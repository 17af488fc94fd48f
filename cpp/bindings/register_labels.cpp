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
