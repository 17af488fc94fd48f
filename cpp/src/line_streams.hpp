// Appending 24-byte items to many streams at once, each a slice of one large array, without
// reading the array's cache lines first (internal to the core: placement.hpp).
//
// An ordinary store into a line that is not in the cache reads the line from memory first;
// with hundreds of streams written in turn, every line of the array would be read only to be
// overwritten. Here each stream collects 8 items (3 whole cache lines) in a buffer of its own
// and writes them out with streaming stores, which write whole lines without reading them
// (on this project's machine: 48 MB at 18.5 GB/s, against 7.2 GB/s for ordinary stores).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <utility>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace yibao::detail {

template <class T>
class LineStreams {
  static_assert(sizeof(T) == 24, "8 items make 3 whole cache lines, from every 8th item on");
  static constexpr std::uint32_t buffered = 8;

 public:
  // Producer k's streams, of `producers` that fill `items` (64-byte aligned) stream by stream,
  // each producer's part of a stream in turn: stream s fills items[bounds[s * producers + k],
  // the next entry). A stream overfilled, or not filled, throws std::logic_error(`overfilled`).
  LineStreams(T* items, const std::vector<std::uint32_t>& bounds, std::size_t k,
              std::size_t producers, const char* overfilled)
      : items_(items), overfilled_(overfilled) {
    for (std::size_t i = k; i + 1 < bounds.size(); i += producers)
      streams_.push_back({bounds[i], bounds[i + 1]});
  }
  LineStreams(const LineStreams&) = delete;  // (and so not movable either)
  LineStreams& operator=(const LineStreams&) = delete;
  // Streaming stores are ordered before whatever follows, on every way out (an exception
  // included: the array may be reused at once).
  ~LineStreams() {
#if defined(__SSE2__)
    _mm_sfence();
#endif
  }

  // Appends `item` to stream s (if the stream is full: nothing sure to be written).
  [[gnu::always_inline]] void put(std::size_t s, const T& item) {
    Stream& to = streams_[s];
    if (to.fill == 0 && to.next % buffered != 0) {
      // The stream's first items, up to the start of a line: written one by one.
      if (to.next >= to.end) overfilled();
      items_[to.next++] = item;
      return;
    }
    to.items[to.fill++] = item;
    if (to.fill < buffered) return;
    if (to.end - to.next < buffered) overfilled();
    write_out(to.items, items_ + to.next);
    to.next += std::exchange(to.fill, 0);
  }

  // After the last put(): writes what the buffers hold; every stream must be exactly full.
  void finish() const {
    for (const Stream& s : streams_) {
      if (s.end - s.next != s.fill) overfilled();
      std::copy_n(s.items, s.fill, items_ + s.next);
    }
  }

 private:
  struct Stream {
    std::uint32_t next, end, fill = 0;
    alignas(64) T items[buffered]{};
  };

  [[noreturn, gnu::cold, gnu::noinline]] void overfilled() const {
    throw std::logic_error(overfilled_);
  }
  static void write_out(const T* from, T* to) {
#if defined(__SSE2__)
    for (std::size_t k = 0; k < sizeof(T) * buffered / 16; ++k)
      _mm_stream_si128(reinterpret_cast<__m128i*>(to) + k,
                       _mm_load_si128(reinterpret_cast<const __m128i*>(from) + k));
#else
    std::memcpy(to, from, sizeof(T) * buffered);
#endif
  }

  T* items_;
  const char* overfilled_;
  std::vector<Stream> streams_;
};

}  // namespace yibao::detail
