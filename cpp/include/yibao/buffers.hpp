// Memory for the columns the core hands back (outputs and converted inputs). Fresh memory
// costs a page fault and the zeroing of every page on first touch, which on a 2 M-claim call
// was a third of the kernel's time (docs/performance.md); blocks freed by an earlier call
// are kept, up to a limit, and given to the next call that needs as much.
#pragma once

#include <atomic>
#include <cstddef>
#include <mutex>
#include <span>
#include <vector>

namespace yibao {

class BufferCache {
 public:
  static constexpr std::size_t default_limit = std::size_t{1} << 30;  // 1 GiB kept at most

  // The process-wide cache used by the Python bindings.
  static BufferCache& instance();

  BufferCache() = default;
  BufferCache(const BufferCache&) = delete;
  BufferCache& operator=(const BufferCache&) = delete;
  ~BufferCache();

  // At least `bytes` bytes, 64-byte aligned, whose contents are unspecified; give them back with
  // release(pointer, bytes).
  void* acquire(std::size_t bytes);
  void release(void* pointer, std::size_t bytes) noexcept;

  // Keep at most `bytes` of freed blocks (0: keep none); frees what is over the new limit.
  void set_limit(std::size_t bytes);
  [[nodiscard]] std::size_t limit() const { return limit_; }
  [[nodiscard]] std::size_t cached_bytes() const { return cached_; }

 private:
  struct Block {
    void* pointer;
    std::size_t capacity;
  };
  template <class Predicate>
  void trim_if(Predicate stale);  // frees the blocks whose capacity is stale; requires mutex_

  std::mutex mutex_;
  std::vector<Block> free_;
  // Changed under mutex_; atomic, so that they are read without it.
  std::atomic<std::size_t> cached_ = 0;
  std::atomic<std::size_t> limit_ = default_limit;
};

// A scratch array of `n` trivially copyable T from the process-wide cache, returned to it when
// it goes out of scope (contents start unspecified).
template <class T>
class Scratch {
 public:
  explicit Scratch(std::size_t n)
      : data_(static_cast<T*>(BufferCache::instance().acquire(n * sizeof(T)))), size_(n) {}
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  ~Scratch() { BufferCache::instance().release(data_, size_ * sizeof(T)); }

  [[nodiscard]] std::span<T> span() const { return {data_, size_}; }

 private:
  T* data_;
  std::size_t size_;
};

}  // namespace yibao
