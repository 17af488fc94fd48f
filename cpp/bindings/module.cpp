// yibao._core: wiring only. Each area registers itself in its own file.
#include <pybind11/pybind11.h>

namespace py = pybind11;

void register_errors(py::module_& m);
void register_money(py::module_& m);
void register_policy(py::module_& m);
void register_adjudicate(py::module_& m);
void register_labels(py::module_& m);
void register_accounts(py::module_& m);
void register_buffers(py::module_& m);
void register_totals(py::module_& m);

PYBIND11_MODULE(_core, m) {
  m.doc() = "yibao's compiled core (private: use the yibao package).";
  register_errors(m);
  register_money(m);
  register_policy(m);
  register_adjudicate(m);
  register_labels(m);
  register_accounts(m);
  register_buffers(m);
  register_totals(m);
}
