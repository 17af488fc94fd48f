// C++ exceptions become the Python classes of yibao.errors, carrying the row position and
// column so that the Python layer can name the caller's index label.
#include <pybind11/pybind11.h>

#include "yibao/errors.hpp"

namespace py = pybind11;

namespace {

void raise(const char* class_name, const yibao::Error& e) {
  const py::object cls = py::module_::import("yibao.errors").attr(class_name);
  const py::object row = e.row() == yibao::no_row ? py::none() : py::object(py::int_(e.row()));
  const py::object column = e.column().empty() ? py::none() : py::object(py::str(e.column()));
  const py::object error =
      cls(py::str(e.what()), py::arg("position") = row, py::arg("column") = column);
  PyErr_SetObject(cls.ptr(), error.ptr());
}

}  // namespace

void register_errors(py::module_& /*m*/) {
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const yibao::NoVersionInForce& e) {
      raise("NoVersionInForceError", e);
    } catch (const yibao::MissingParameter& e) {
      raise("MissingParameterError", e);
    } catch (const yibao::OverflowError& e) {
      raise("AmountOverflowError", e);
    } catch (const yibao::PolicyError& e) {
      raise("PolicyError", e);
    } catch (const yibao::InputError& e) {
      raise("InputError", e);
    }
  });
}
