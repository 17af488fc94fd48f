// A numpy object array of str → one Arrow large_string chunk (int64 offsets, UTF-8 bytes),
// for the readers that take Arrow strings (labels matched in place, text ids, ISO dates).
// Reads each str's own bytes (compact ASCII: in place; others: CPython's cached UTF-8), a few
// ns a value where pyarrow's conversion or pd.factorize take 50-100 ns. Needs the GIL.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <unordered_set>

namespace yibao::bindings {

// (offsets, data) of the strings of `values`, or None if a value is not a str (e.g. a
// missing value: the general path words it).
inline pybind11::object string_chunk_from_objects(const pybind11::array& values) {
  if (values.ndim() != 1 || values.dtype().kind() != 'O')
    throw pybind11::type_error("values must be a 1-d object array");
  const auto n = static_cast<std::size_t>(values.shape(0));
  const auto stride = values.strides(0) / static_cast<pybind11::ssize_t>(sizeof(PyObject*));
  const auto* objects = static_cast<PyObject* const*>(values.data());
  auto text_of = [](PyObject* object, Py_ssize_t& size) -> const char* {
    if (PyUnicode_IS_COMPACT_ASCII(object)) {
      size = PyUnicode_GET_LENGTH(object);
      return static_cast<const char*>(PyUnicode_DATA(object));
    }
    return PyUnicode_AsUTF8AndSize(object, &size);
  };
  pybind11::array_t<std::int64_t> offsets(static_cast<pybind11::ssize_t>(n + 1));
  std::int64_t* offset = offsets.mutable_data();
  offset[0] = 0;
  // One pass over the objects (shuffled rows put them anywhere in memory: a cache miss each),
  // then one sequential copy of the bytes.
  std::string bytes;
  bytes.reserve(n * 12);
  for (std::size_t i = 0; i < n; ++i) {
    PyObject* object = objects[static_cast<pybind11::ssize_t>(i) * stride];
    Py_ssize_t size = 0;
    const char* text = PyUnicode_Check(object) ? text_of(object, size) : nullptr;
    if (text == nullptr) {
      PyErr_Clear();
      return pybind11::none();
    }
    bytes.append(text, static_cast<std::size_t>(size));
    offset[i + 1] = static_cast<std::int64_t>(bytes.size());
  }
  pybind11::array_t<std::uint8_t> data(static_cast<pybind11::ssize_t>(bytes.size()));
  if (!bytes.empty()) std::memcpy(data.mutable_data(), bytes.data(), bytes.size());
  return pybind11::make_tuple(offsets, data);
}

}  // namespace yibao::bindings

namespace yibao::bindings {

// Codes of a text key column (one Arrow chunk: offsets into data, no nulls) whose equal keys
// are adjacent, as sorted claims have each member's rows: a code per run, in order. None if
// a key has two runs (then the caller factorizes). No Python objects: runs without the GIL.
template <class Offset>
pybind11::object run_codes(const pybind11::array_t<Offset, pybind11::array::c_style>& offsets,
                           const pybind11::array_t<std::uint8_t, pybind11::array::c_style>& data) {
  if (offsets.size() < 1) throw pybind11::value_error("offsets need at least one entry");
  const auto n = static_cast<std::size_t>(offsets.size() - 1);
  const Offset* at = offsets.data();
  const auto* bytes = reinterpret_cast<const char*>(data.data());
  const auto size = static_cast<Offset>(data.size());
  pybind11::array_t<std::int64_t> codes(static_cast<pybind11::ssize_t>(n));
  std::int64_t* code = codes.mutable_data();
  bool distinct = true;
  {
    const pybind11::gil_scoped_release release;
    std::unordered_set<std::string_view> seen;
    std::string_view previous;
    std::int64_t run = -1;
    for (std::size_t i = 0; i < n && distinct; ++i) {
      if (at[i] < 0 || at[i + 1] < at[i] || at[i + 1] > size) {
        distinct = false;  // malformed offsets: the caller's general route words it
        break;
      }
      const std::string_view key(bytes + at[i], static_cast<std::size_t>(at[i + 1] - at[i]));
      if (run < 0 || key != previous) {
        ++run;
        distinct = seen.insert(key).second;
        previous = key;
      }
      code[i] = run;
    }
  }
  if (!distinct) return pybind11::none();
  return codes;
}

}  // namespace yibao::bindings
