// The processing order of the kernel: by (member, date, input position), and its split
// into member-aligned chunks for threads.
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

// Whether rows are already in processing order (sorted by member, then day): one linear
// read (on `threads` threads), the common case for extracts.
bool in_processing_order(std::span<const std::int64_t> member, std::span<const std::int32_t> day,
                         std::size_t threads = 1);

// Row positions in (member, day, position) order. Member ids are any int64 (raw ids or
// factorized codes): dense ids take a counting sort (on `threads` threads; the same order for
// any count), other ids one stable sort. Sorted input needs no order at all: the kernel checks
// in_processing_order (or checks during its pass); unsorted input with dense ids it places by
// member itself (cpp/src/placement.hpp), so it asks for this order only for other ids.
std::vector<std::int64_t> processing_order(std::span<const std::int64_t> member,
                                           std::span<const std::int32_t> day,
                                           std::size_t threads = 1);

// Boundaries [b0=0, b1, ..., bk=n] into `order` such that no member spans two chunks;
// at most `chunks` chunks of roughly equal size. An empty `order` means the rows' own order.
std::vector<std::size_t> member_chunks(std::span<const std::int64_t> order,
                                       std::span<const std::int64_t> member, std::size_t chunks);

}  // namespace yibao
