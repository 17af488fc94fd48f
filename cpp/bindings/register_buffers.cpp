// The cache of freed column memory (yibao/buffers.hpp), sized from Python.
#include <pybind11/pybind11.h>

#include "yibao/buffers.hpp"

namespace py = pybind11;

void register_buffers(py::module_& m) {
  m.def(
      "set_buffer_cache_limit",
      [](std::size_t bytes) { yibao::BufferCache::instance().set_limit(bytes); }, py::arg("bytes"));
  m.def("buffer_cache_limit", [] { return yibao::BufferCache::instance().limit(); });
  m.def("buffer_cache_bytes", [] { return yibao::BufferCache::instance().cached_bytes(); });
}
