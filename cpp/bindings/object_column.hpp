// A numpy object array read in order by the core, with the GIL held (the objects are read
// where they are: no Python call, no reference taken).
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <atomic>
#include <cstddef>

#include "yibao/parallel.hpp"

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

  // Whether read(i, object i) holds for every row, asked on up to `threads` ranges of rows at
  // once. For the caller that holds the GIL, with a `read` that calls no Python API (it may
  // only read the objects' memory): the GIL keeps every other Python thread from changing
  // the objects meanwhile.
  template <class Read>
  bool all_of(std::size_t threads, Read read) const {
    std::atomic<bool> all{true};
    for_each_range(rows_, threads, [&](std::size_t first, std::size_t last) {
      bool ok = true;
      for (std::size_t i = first; i < last && ok; ++i) {
        if ((i & 4095U) == 0 && !all.load(std::memory_order_relaxed)) return;
        ok = read(i, at(i, last));
      }
      if (!ok) all.store(false, std::memory_order_relaxed);
    });
    return all.load();
  }

  // Object i (of rows before `end`), having asked the memory for the first two cache lines of
  // object i + ahead: a shuffled column puts each object anywhere, and a miss the core waits for
  // costs more than the rest of a row's work (an object's header and short payload fit in 128
  // bytes).
  [[nodiscard]] PyObject* at(std::size_t i, std::size_t end) const {
    if (i + ahead < end) {
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
