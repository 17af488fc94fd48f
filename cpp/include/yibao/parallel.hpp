// Row ranges on threads, for the column conversions: each thread owns one contiguous range
// of rows and writes only its own outputs, so the result is the same for any thread count,
// and the error raised is the one of the first bad row, as a single thread would raise it.
// Sorted rows go to threads in chunks of whole members (member_chunks).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <span>
#include <thread>
#include <vector>

namespace yibao {

// At most this many threads per call, whatever is asked (results are the same for any count;
// tens of thousands of threads would fail to start).
inline constexpr std::size_t max_threads = 1024;

// Below this many rows per thread, starting a thread costs more than it saves.
inline constexpr std::size_t min_rows_per_thread = 1 << 14;

// Call task(k) for k in [0, tasks): task 0 on the calling thread, the others on threads of
// their own, and rethrow the error of the lowest k that failed (the first in row order when
// tasks are ordered ranges).
template <class Task>
void run_tasks(std::size_t tasks, Task task) {
  std::vector<std::exception_ptr> errors(tasks);
  auto run = [&](std::size_t k) {
    try {
      task(k);
    } catch (...) {
      errors[k] = std::current_exception();
    }
  };
  {
    std::vector<std::jthread> pool;
    pool.reserve(tasks);
    for (std::size_t k = 1; k < tasks; ++k) pool.emplace_back(run, k);
    // One code path for every thread count: a separate single-task branch was compiled as
    // cold code by GCC (a hardware division instead of a multiplication, 4× slower).
    if (tasks > 0) run(0);
  }  // jthreads join here
  for (const auto& error : errors) {
    if (error) std::rethrow_exception(error);
  }
}

// Call body(begin, end) on up to `threads` consecutive ranges covering [0, n).
template <class Body>
void for_each_range(std::size_t n, std::size_t threads, Body body) {
  const std::size_t chunks =
      std::clamp<std::size_t>(n / min_rows_per_thread, 1, std::max<std::size_t>(threads, 1));
  run_tasks(chunks, [&](std::size_t k) { body(n * k / chunks, n * (k + 1) / chunks); });
}

// Boundaries [b0=0, b1, ..., bk=n] of rows such that no member spans two chunks; at most
// `chunks` chunks of roughly equal size.
inline std::vector<std::size_t> member_chunks(std::span<const std::int64_t> member,
                                              std::size_t chunks) {
  const std::size_t n = member.size();
  chunks = std::max<std::size_t>(1, std::min(chunks, n));
  std::vector<std::size_t> bounds{0};
  for (std::size_t k = 1; k < chunks; ++k) {
    std::size_t b = std::max(bounds.back(), n * k / chunks);
    // Move the cut forward until it falls between two members.
    while (b > 0 && b < n && member[b] == member[b - 1]) ++b;
    if (b > bounds.back() && b < n) bounds.push_back(b);
  }
  bounds.push_back(n);
  return bounds;
}

}  // namespace yibao
