// The processing order of the kernel: by (member, date, input position), and its split
// into member-aligned chunks for threads.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace yibao {

// Row positions in (member, day, position) order. Already-sorted input (the common case
// for extracts) costs one linear check; otherwise a counting sort on member codes then a
// stable sort on day within each member. Throws InputError on a negative member code.
std::vector<std::int64_t> processing_order(std::span<const std::int64_t> member,
                                           std::span<const std::int32_t> day);

// Boundaries [b0=0, b1, ..., bk=n] into `order` such that no member spans two chunks;
// at most `chunks` chunks of roughly equal size.
std::vector<std::size_t> member_chunks(std::span<const std::int64_t> order,
                                       std::span<const std::int64_t> member, std::size_t chunks);

}  // namespace yibao
