// numpy arrays as spans for the core: the only way bindings hand columns to C++.
#pragma once

#include <pybind11/numpy.h>

#include <cstddef>
#include <span>
#include <utility>

#include "yibao/buffers.hpp"

namespace yibao::bindings {

// A C-contiguous numpy array of exactly T (no silent casts: the Python layer negotiates dtypes).
template <class T>
using Column = pybind11::array_t<T, pybind11::array::c_style>;

template <class T>
std::span<const T> in(const Column<T>& a) {
  return {a.data(), static_cast<std::size_t>(a.size())};
}

template <class T>
std::span<T> out(Column<T>& a) {
  return {a.mutable_data(), static_cast<std::size_t>(a.size())};
}

// A new C-contiguous array of `rows` (× `width`) values of T for the core to fill, in memory
// from yibao::BufferCache: it goes back to the cache when the array (or the pandas column
// made from it) is freed, so the next call does not fault in fresh pages.
template <class T>
Column<T> new_column(std::size_t rows, std::size_t width = 1) {
  const std::size_t bytes = rows * width * sizeof(T);
  struct Lease {
    void* memory;
    std::size_t bytes;
  };
  auto* lease = new Lease{BufferCache::instance().acquire(bytes), bytes};
  void* memory = lease->memory;
  const pybind11::capsule owner(lease, [](void* p) noexcept {
    auto* done = static_cast<Lease*>(p);
    BufferCache::instance().release(done->memory, done->bytes);
    delete done;
  });
  if (width == 1) return Column<T>({rows}, {sizeof(T)}, static_cast<T*>(memory), owner);
  return Column<T>({rows, width}, {width * sizeof(T), sizeof(T)}, static_cast<T*>(memory), owner);
}

}  // namespace yibao::bindings
