// numpy arrays as spans for the core: the only way bindings hand columns to C++.
#pragma once

#include <pybind11/numpy.h>

#include <cstddef>
#include <span>
#include <utility>
#include <vector>

#include "yibao/buffers.hpp"
#include "yibao/labels.hpp"

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

// An Arrow string column handed over as a list of (offsets, data, validity or None, bit
// offset), one tuple per chunk: typed views of every buffer, kept alive as long as this is.
template <class Offset>
class StringChunks {
 public:
  explicit StringChunks(const pybind11::list& chunks) {
    for (const auto& item : chunks) {
      const auto parts = item.cast<pybind11::tuple>();
      if (parts.size() != 4)
        throw pybind11::value_error("a chunk is (offsets, data, validity, offset)");
      offsets_.push_back(parts[0].cast<Column<Offset>>());
      data_.push_back(parts[1].cast<Column<std::uint8_t>>());
      const bool has_validity = !parts[2].is_none();
      if (has_validity) validity_.push_back(parts[2].cast<Column<std::uint8_t>>());
      const auto& bytes = data_.back();
      spans_.push_back(
          {in(offsets_.back()),
           {reinterpret_cast<const char*>(bytes.data()), static_cast<std::size_t>(bytes.size())},
           has_validity ? in(validity_.back()) : std::span<const std::uint8_t>{},
           parts[3].cast<std::int64_t>()});
      rows_ += spans_.back().rows();
    }
  }
  [[nodiscard]] const std::vector<StringChunk<Offset>>& spans() const { return spans_; }
  [[nodiscard]] std::size_t rows() const { return rows_; }

 private:
  std::vector<Column<Offset>> offsets_;
  std::vector<Column<std::uint8_t>> data_, validity_;
  std::vector<StringChunk<Offset>> spans_;
  std::size_t rows_ = 0;
};

}  // namespace yibao::bindings
