// The split of rows into member-aligned chunks for threads, and the range of member ids
// (placement.hpp counts rows per member over it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

namespace yibao {

// The smallest and largest of (at least one) ids, read on `threads` threads.
std::pair<std::int64_t, std::int64_t> id_range(std::span<const std::int64_t> member,
                                               std::size_t threads = 1);

// Boundaries [b0=0, b1, ..., bk=n] of rows such that no member spans two chunks; at most
// `chunks` chunks of roughly equal size.
std::vector<std::size_t> member_chunks(std::span<const std::int64_t> member, std::size_t chunks);

}  // namespace yibao
