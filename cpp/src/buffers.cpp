#include "yibao/buffers.hpp"

#include <algorithm>
#include <bit>
#include <cstdlib>
#include <new>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace yibao {
namespace {

// Cache-line aligned, whole lines.
constexpr std::size_t alignment = 64;
constexpr std::size_t huge_page = std::size_t{1} << 21;

// Huge pages only for blocks of at least one.
Pages effective(Pages pages, std::size_t bytes) {
  return bytes >= huge_page ? pages : Pages::normal;
}

// Blocks above 64 KiB come in size classes 1/8 of a power of two apart, so that requests of
// nearly the same size (batches of a stream, cut at member boundaries) share blocks; blocks
// in huge pages, in whole huge pages.
std::size_t capacity_for(std::size_t bytes, Pages pages) {
  bytes = std::max<std::size_t>(bytes, 1);
  std::size_t granule =
      bytes <= (std::size_t{1} << 16) ? alignment : std::size_t{1} << (std::bit_width(bytes) - 4);
  if (pages == Pages::huge) granule = std::max(granule, huge_page);
  return (bytes + granule - 1) / granule * granule;
}

void* allocate(std::size_t capacity, Pages pages) {
  void* p = std::aligned_alloc(pages == Pages::huge ? huge_page : alignment, capacity);
  if (p == nullptr) throw std::bad_alloc();
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  // Before the first touch, so that its page faults take huge pages (a hint: ignored where
  // transparent huge pages are off).
  if (pages == Pages::huge) madvise(p, capacity, MADV_HUGEPAGE);
#endif
  return p;
}

}  // namespace

BufferCache& BufferCache::instance() {
  static BufferCache cache;
  return cache;
}

BufferCache::~BufferCache() {
  trim_to(0);
}

void* BufferCache::acquire(std::size_t bytes, Pages pages) {
  pages = effective(pages, bytes);
  const std::size_t capacity = capacity_for(bytes, pages);
  {
    const std::scoped_lock lock(mutex_);
    // The smallest kept block of the same pages that fits without wasting more than half of it.
    std::size_t best = free_.size();
    for (std::size_t i = 0; i < free_.size(); ++i) {
      const std::size_t c = free_[i].capacity;
      if (free_[i].pages == pages && c >= capacity && c <= 2 * capacity &&
          (best == free_.size() || c < free_[best].capacity))
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
    trim_if([capacity, pages](const Block& b) {
      return b.pages == pages && b.capacity < capacity && 2 * b.capacity > capacity;
    });
  }
  return allocate(capacity, pages);
}

void BufferCache::release(void* pointer, std::size_t bytes, Pages pages) noexcept {
  if (pointer == nullptr) return;
  // Called from destructors (scratch arrays, the capsules of returned columns): never throws;
  // if the block cannot be kept, it is freed.
  try {
    pages = effective(pages, bytes);
    const std::size_t capacity = capacity_for(bytes, pages);
    const std::scoped_lock lock(mutex_);
    if (capacity <= limit_) {
      free_.push_back({pointer, capacity, pages});
      cached_ += capacity;
      trim_to(limit_);
      return;
    }
  } catch (...) {  // NOLINT(bugprone-empty-catch): the block is freed below
  }
  std::free(pointer);
}

void BufferCache::set_limit(std::size_t bytes) {
  const std::scoped_lock lock(mutex_);
  limit_ = bytes;
  trim_to(limit_);
}

std::size_t BufferCache::limit() const {
  const std::scoped_lock lock(mutex_);
  return limit_;
}

std::size_t BufferCache::cached_bytes() const {
  const std::scoped_lock lock(mutex_);
  return cached_;
}

template <class Predicate>
void BufferCache::trim_if(Predicate stale) {
  std::size_t kept = 0;
  for (const Block& block : free_) {
    if (stale(block)) {
      cached_ -= block.capacity;
      std::free(block.pointer);
    } else {
      free_[kept++] = block;
    }
  }
  free_.resize(kept);
}

void BufferCache::trim_to(std::size_t bytes) {
  // The oldest blocks go first: the newest are the likeliest to fit the next call.
  std::size_t i = 0;
  while (cached_ > bytes && i < free_.size()) {
    cached_ -= free_[i].capacity;
    std::free(free_[i].pointer);
    ++i;
  }
  free_.erase(free_.begin(), free_.begin() + static_cast<std::ptrdiff_t>(i));
}

}  // namespace yibao
