#include "yibao/buffers.hpp"

#include <algorithm>
#include <bit>
#include <cstdlib>
#include <new>

namespace yibao {
namespace {

// Cache-line aligned, whole lines. (Asking for transparent huge pages was tried: with the
// kernel's default defrag=madvise the first call stalled on memory compaction, 3.6× slower.
// Unsorted rows' records took them for a while, when each was written at a random place: a
// TLB miss a row fewer. Written in slices since, they gain nothing from them.)
constexpr std::size_t alignment = 64;

// Blocks above 64 KiB come in size classes 1/8 of a power of two apart, so that requests of
// nearly the same size (batches of a stream, cut at member boundaries) share blocks.
std::size_t capacity_for(std::size_t bytes) {
  bytes = std::max<std::size_t>(bytes, 1);
  const std::size_t granule =
      bytes <= (std::size_t{1} << 16) ? alignment : std::size_t{1} << (std::bit_width(bytes) - 4);
  return (bytes + granule - 1) / granule * granule;
}

}  // namespace

BufferCache& BufferCache::instance() {
  static BufferCache cache;
  return cache;
}

BufferCache::~BufferCache() {
  trim_if([](std::size_t) { return true; });
}

void* BufferCache::acquire(std::size_t bytes) {
  const std::size_t capacity = capacity_for(bytes);
  {
    const std::scoped_lock lock(mutex_);
    // The smallest kept block that fits without wasting more than half of it.
    std::size_t best = free_.size();
    for (std::size_t i = 0; i < free_.size(); ++i) {
      const std::size_t c = free_[i].capacity;
      if (c >= capacity && c <= 2 * capacity && (best == free_.size() || c < free_[best].capacity))
        best = i;
    }
    if (best != free_.size()) {
      void* p = free_[best].pointer;
      cached_ -= free_[best].capacity;
      free_[best] = free_.back();
      free_.pop_back();
      return p;
    }
    // A miss: kept blocks of this kind (more than half the size) but too small are of a
    // workload that has grown; keeping them would only hold memory.
    trim_if([capacity](std::size_t c) { return c < capacity && 2 * c > capacity; });
  }
  void* p = std::aligned_alloc(alignment, capacity);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

void BufferCache::release(void* pointer, std::size_t bytes) noexcept {
  if (pointer == nullptr) return;
  // Called from destructors (scratch arrays, the capsules of returned columns): never throws;
  // if the block cannot be kept, it is freed.
  try {
    const std::size_t capacity = capacity_for(bytes);
    const std::scoped_lock lock(mutex_);
    if (capacity <= limit_) {
      free_.push_back({pointer, capacity});
      cached_ += capacity;
      trim_if([this](std::size_t) { return cached_ > limit_; });
      return;
    }
  } catch (...) {  // NOLINT(bugprone-empty-catch): the block is freed below
  }
  std::free(pointer);
}

void BufferCache::set_limit(std::size_t bytes) {
  const std::scoped_lock lock(mutex_);
  limit_ = bytes;
  trim_if([this](std::size_t) { return cached_ > limit_; });
}

template <class Predicate>
void BufferCache::trim_if(Predicate stale) {
  // Oldest first: trimmed to a size, the cache keeps the newest, likeliest to fit the next call.
  std::size_t kept = 0;
  for (const Block& block : free_) {
    if (stale(block.capacity)) {
      cached_ -= block.capacity;
      std::free(block.pointer);
    } else {
      free_[kept++] = block;
    }
  }
  free_.resize(kept);
}

}  // namespace yibao
