// numpy arrays as spans for the core: the only way bindings hand columns to C++.
#pragma once

#include <pybind11/numpy.h>

#include <span>

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

}  // namespace yibao::bindings
