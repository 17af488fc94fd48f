// A numpy object array read in order by the core, with the GIL held (the objects are read
// where they are: no Python call, no reference taken).
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cstddef>

namespace yibao::bindings {

class ObjectColumn {
 public:
  explicit ObjectColumn(const pybind11::array& values) {
    if (values.ndim() != 1 || values.dtype().kind() != 'O')
      throw pybind11::type_error("values must be a 1-d object array");
    rows_ = static_cast<std::size_t>(values.shape(0));
    stride_ = values.strides(0) / static_cast<pybind11::ssize_t>(sizeof(PyObject*));
    objects_ = static_cast<PyObject* const*>(values.data());
  }
  [[nodiscard]] std::size_t rows() const { return rows_; }

  // Object i, having asked the memory for the first two cache lines of object i + ahead: a
  // shuffled column puts each object anywhere, and a miss the core waits for costs more than
  // the rest of a row's work (an object's header and short payload fit in 128 bytes).
  [[nodiscard]] PyObject* at(std::size_t i) const {
    if (i + ahead < rows_) {
      const auto* next = reinterpret_cast<const char*>(item(i + ahead));
      __builtin_prefetch(next);
      __builtin_prefetch(next + 64);
    }
    return item(i);
  }

 private:
  static constexpr std::size_t ahead = 16;
  [[nodiscard]] PyObject* item(std::size_t i) const {
    return objects_[static_cast<pybind11::ssize_t>(i) * stride_];
  }
  PyObject* const* objects_ = nullptr;
  std::size_t rows_ = 0;
  pybind11::ssize_t stride_ = 1;
};

}  // namespace yibao::bindings
