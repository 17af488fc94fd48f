// Conversions between Python and the core's value types: Money is an int of fen, Rate an
// int of millionths. The Python layer turns exact Decimals into these ints.
#pragma once

#include <pybind11/pybind11.h>

#include <cstdint>

#include "yibao/money.hpp"

namespace pybind11::detail {

template <>
struct type_caster<yibao::Money> {
  PYBIND11_TYPE_CASTER(yibao::Money, const_name("int"));
  bool load(handle src, bool convert) {
    make_caster<std::int64_t> fen;
    if (!fen.load(src, convert)) return false;
    value = yibao::Money::from_fen(cast_op<std::int64_t>(fen));
    return true;
  }
  static handle cast(yibao::Money m, return_value_policy, handle) {
    return PyLong_FromLongLong(m.fen());
  }
};

template <>
struct type_caster<yibao::Rate> {
  PYBIND11_TYPE_CASTER(yibao::Rate, const_name("int"));
  bool load(handle src, bool convert) {
    make_caster<std::int64_t> ppm;
    if (!ppm.load(src, convert)) return false;
    value = yibao::Rate::from_ppm(cast_op<std::int64_t>(ppm));
    return true;
  }
  static handle cast(yibao::Rate r, return_value_policy, handle) {
    return PyLong_FromLongLong(r.ppm());
  }
};

}  // namespace pybind11::detail
