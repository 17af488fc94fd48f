#include "placement.hpp"

#include <algorithm>
#include <bit>
#include <limits>
#include <numeric>
#include <stdexcept>

#include "yibao/errors.hpp"
#include "yibao/parallel.hpp"

namespace yibao::detail {
namespace {

// Ids are read more than once (counted, then placed): only ids that changed in between (the
// caller's column written to by another thread meanwhile) can disagree.
constexpr const char* ids_changed =
    "member_id changed while yibao read it (was the frame written to by another thread?)";

using IdRange = std::pair<std::int64_t, std::int64_t>;

// Whether ids in `range` are dense enough for a counting sort: a range under 2n + 2.
bool dense(IdRange range, std::size_t n) {
  // (Unsigned: the difference of any two int64 ids fits.)
  const auto span =
      static_cast<std::uint64_t>(range.second) - static_cast<std::uint64_t>(range.first);
  return span < 2 * static_cast<std::uint64_t>(n) + 2;
}

// A range that most likely holds every id: that of about 1,024 ids sampled evenly across the
// column, widened on each side by 1/32 of it. Reading every id for the exact range first was
// the column's first read of the call, 2.5-4 ms at 2 M rows; counting checks the guess.
IdRange sampled_range(std::span<const std::int64_t> member) {
  const std::size_t n = member.size();
  std::int64_t low = member[n - 1], high = low;
  for (std::size_t i = 0; i < n; i += std::max<std::size_t>(n / 1024, 1)) {
    low = std::min(low, member[i]);
    high = std::max(high, member[i]);
  }
  const auto pad = static_cast<std::int64_t>(
      (static_cast<std::uint64_t>(high) - static_cast<std::uint64_t>(low)) / 32 + 64);
  constexpr std::int64_t min = std::numeric_limits<std::int64_t>::min();
  constexpr std::int64_t max = std::numeric_limits<std::int64_t>::max();
  return {low >= min + pad ? low - pad : min, high <= max - pad ? high + pad : max};
}

// `in` stably sorted by key(x) < keys into `out`, each x as value(x).
template <class In, class Out, class Key, class Value>
void counting_sort(const In& in, Out& out, std::vector<std::uint32_t>& count, std::size_t keys,
                   Key key, Value value) {
  count.assign(keys + 1, 0);
  for (const auto& x : in) ++count[key(x) + 1];
  std::partial_sum(count.begin(), count.end(), count.begin());
  for (const auto& x : in) out[count[key(x)]++] = value(x);
}

}  // namespace

std::unique_ptr<MemberPlacement> MemberPlacement::for_dense_ids(
    std::span<const std::int64_t> member, std::size_t threads) {
  const std::size_t n = member.size();
  if (n == 0) return nullptr;
  // Records name their row in 32 bits (half the bytes of a record).
  if (n > std::numeric_limits<std::uint32_t>::max()) {
    throw InputError(
        "more than 4,294,967,295 rows out of member and date order: sort them by "
        "member_id and date first (sorted input has no such limit)",
        no_row, "member_id");
  }
  std::unique_ptr<MemberPlacement> placement(new MemberPlacement(n));
  if (const IdRange guess = sampled_range(member);
      !dense(guess, n) || !placement->count(member, guess, threads)) {
    // An id outside the guess, or a guess too wide: the exact range.
    const auto [low, high] = std::ranges::minmax(member);
    if (!dense({low, high}, n)) return nullptr;
    if (!placement->count(member, {low, high}, threads)) throw std::logic_error(ids_changed);
  }
  return placement;
}

bool MemberPlacement::count(std::span<const std::int64_t> member, IdRange range,
                            std::size_t threads) {
  low_ = range.first;
  members_ = static_cast<std::size_t>(static_cast<std::uint64_t>(range.second) -
                                      static_cast<std::uint64_t>(range.first)) +
             1;
  // Partitions of about partition_rows rows, whose records sorted stay in the core's cache,
  // and at most max_partitions of them (each part buffers 192 bytes for each).
  constexpr std::size_t partition_rows = 8192, max_partitions = 1024;
  const std::size_t wanted = std::clamp<std::size_t>(n_ / partition_rows, 1, max_partitions);
  // The smallest shift that leaves at most `wanted` partitions.
  shift_ = static_cast<unsigned>(std::bit_width((members_ - 1) / wanted));
  // (Dense ids span under 2n + 2 < 2^33 ids: at most 2^23 a partition, so that a member's
  // offset fits its record's 3 bytes.)
  const std::size_t partitions = ((members_ - 1) >> shift_) + 1;
  parts_ = std::clamp<std::size_t>(n_ / min_rows_per_thread, 1,
                                   std::clamp<std::size_t>(threads, 1, max_parallel));
  slices_.assign(partitions * parts_ + 1, 0);
  struct Outside {};  // an id outside `range`
  try {
    run_tasks(parts_, [&](std::size_t k) {
      std::vector<std::uint32_t> count(partitions, 0);
      const auto low = static_cast<std::uint64_t>(low_);
      const std::size_t members = members_;
      const unsigned shift = shift_;
      for (std::size_t i = part_begin(k); i < part_begin(k + 1); ++i) {
        const auto bucket = static_cast<std::size_t>(static_cast<std::uint64_t>(member[i]) - low);
        if (bucket >= members) throw Outside{};
        ++count[bucket >> shift];
      }
      for (std::size_t p = 0; p < partitions; ++p) slices_[p * parts_ + k] = count[p];
    });
  } catch (const Outside&) {
    return false;
  }
  // Partition by partition, each part's slice in turn: within a member, rows keep their
  // input order.
  std::exclusive_scan(slices_.begin(), slices_.end(), slices_.begin(), std::uint32_t{0});
  // Chunks of whole partitions, each from the first partition that starts at or after its
  // share of the rows.
  const std::size_t chunks = std::clamp<std::size_t>(threads, 1, max_parallel);
  chunks_.assign(1, 0);
  chunk_of_partition_.assign(partitions, 0);
  for (std::size_t p = 1; p < partitions; ++p) {
    if (chunks_.size() < chunks && slices_[p * parts_] >= n_ * chunks_.size() / chunks)
      chunks_.push_back(p);
    chunk_of_partition_[p] = static_cast<std::uint8_t>(chunks_.size() - 1);
  }
  chunks_.push_back(partitions);
  streamed_.assign(parts_ * streams(), 0);
  return true;
}

void MemberPlacement::place(std::size_t part, std::size_t block_rows,
                            const std::function<ClaimColumns(std::size_t, std::size_t)>& convert) {
  // A slice overfilled, or not filled: only ids changed since counting can do that.
  LineStreams<PackedClaim> slices(records_.span().data(), slices_, part, parts_, ids_changed);
  // Plain pointers in locals: the records' one-byte codes may alias anything, which would
  // otherwise reload every column's pointer after each store.
  const std::size_t buckets = members_;
  const unsigned shift = shift_;
  const std::uint32_t offset_mask = (std::uint32_t{1} << shift) - 1;
  const std::uint8_t* const chunk_of = chunk_of_partition_.data();
  const std::size_t chunks = chunks_.size() - 1;
  std::uint32_t* const streamed = &streamed_[part * streams()];
  const std::uint64_t low = static_cast<std::uint64_t>(low_);
  const std::size_t end = part_begin(part + 1);
  for (std::size_t first = part_begin(part); first < end; first += block_rows) {
    const ClaimColumns block = convert(first, std::min(end, first + block_rows));
    const std::int64_t* const member = block.member.data();
    const std::int64_t* const eligible = block.eligible.data();
    const std::int32_t* const day = block.day.data();
    const std::int8_t *const level = block.level.data(), *const status = block.status.data(),
                             *const service = block.service.data(),
                             *const prescriber = block.prescriber.data(),
                             *const tier = block.tier.data();
    for (std::size_t i = 0, n = block.size(); i < n; ++i) {
      const auto bucket = static_cast<std::size_t>(static_cast<std::uint64_t>(member[i]) - low);
      if (bucket >= buckets) throw std::logic_error("MemberPlacement::place: unknown member");
      const std::size_t p = bucket >> shift;
      const std::size_t row = first + i;
      const PackedClaim record{
          eligible[i], static_cast<std::uint32_t>(row), day[i], level[i], status[i], service[i],
          prescriber[i], tier[i],
          // (offset_mask keeps at most 23 bits; the 24-bit mask says so to -Wconversion.)
          static_cast<std::uint32_t>(bucket) & offset_mask & 0xFFFFFF};
      ++streamed[(row >> block_shift) * chunks + chunk_of[p]];
      slices.put(p, record);
    }
  }
  slices.finish();
}

// Sorted in the cache: by day (a counting sort over the partition's days), then stably by
// member. Two passes with no branch that depends on the data: sorting each member's handful of
// rows on its own (an insertion sort) cost a mispredicted branch per row, and took about twice
// as long (docs/performance.md). The first pass reads the records in place and the second
// copies them in order, so that the kernel reads them one after the other. Every record of
// the partition was written through its slices (a full slice, or an error), so its member
// lies in the partition.
std::span<const PackedClaim> MemberPlacement::sorted(std::size_t p, Sorting& s) const {
  // Days spanning this many or more (claims over decades): std::stable_sort by day.
  constexpr std::int64_t max_span = 4096;
  const std::size_t begin = slices_[p * parts_];
  const auto records = records_.span().subspan(begin, slices_[(p + 1) * parts_] - begin);
  // Each record as its member and its position (member << 32 | position), in day order.
  auto tag = [&](const PackedClaim& r) {
    return std::uint64_t{r.member_offset} << 32 | static_cast<std::uint64_t>(&r - &records[0]);
  };
  s.by_day.resize(records.size());
  const auto [early, late] = std::ranges::minmax_element(records, {}, &PackedClaim::day);
  // Rows in day order already (input sorted by date but not by member, as claim files often
  // come) have nothing to sort by day. (In 64 bits: any two int32 days are less than 2^32
  // apart.)
  if (records.empty() || std::ranges::is_sorted(records, {}, &PackedClaim::day)) {
    std::ranges::transform(records, s.by_day.begin(), tag);
  } else if (std::int64_t{late->day} - early->day < max_span) {
    const std::int32_t first = early->day;
    counting_sort(
        records, s.by_day, s.count, static_cast<std::size_t>(late->day - first) + 1,
        [first](const PackedClaim& r) { return static_cast<std::size_t>(r.day - first); }, tag);
  } else {
    std::ranges::transform(records, s.by_day.begin(), tag);
    std::ranges::stable_sort(
        s.by_day, {}, [&](std::uint64_t t) { return records[static_cast<std::uint32_t>(t)].day; });
  }
  s.records.resize(records.size());
  const std::size_t members = std::min(members_, (p + 1) << shift_) - (p << shift_);
  counting_sort(
      s.by_day, s.records, s.count, members, [](std::uint64_t t) { return t >> 32; },
      [&](std::uint64_t t) { return records[static_cast<std::uint32_t>(t)]; });
  return s.records;
}

void MemberPlacement::close() {
  // Block by block, each chunk's stream in turn (its rows from every part).
  stream_bounds_.assign(streams() + 1, 0);
  for (std::size_t part = 0; part < parts_; ++part) {
    for (std::size_t s = 0; s < streams(); ++s)
      stream_bounds_[s] += streamed_[part * streams() + s];
  }
  std::exclusive_scan(stream_bounds_.begin(), stream_bounds_.end(), stream_bounds_.begin(),
                      std::uint32_t{0});
  // (Every slice exactly full, as each part's LineStreams::finish checked: n rows streamed.)
  wide_.assign(chunks_.size() - 1, {});
}

void MemberPlacement::put_back(const AdjudicationColumns& out, std::size_t threads) const {
  // Each value was checked for its column when streamed (Adjudicator::run_placed).
  const auto columns = amount_columns(out);
  auto store = [&](std::size_t row, const auto& fen) {
    for (std::size_t k = 0; k < n_amounts; ++k) columns[k]->store_checked(row, fen[k]);
  };
  const StagedResult* const results = results_.span().data();
  const std::size_t chunks = chunks_.size() - 1;
  const std::size_t tasks = std::clamp<std::size_t>(threads, 1, blocks());
  run_tasks(tasks, [&](std::size_t k) {
    // A block's results, first put in row order here in the cache, then written out
    // row by row: sequential stores into the output columns.
    Scratch<StagedResult> in_order(std::size_t{1} << block_shift);
    StagedResult* const local = in_order.span().data();
    for (std::size_t b = blocks() * k / tasks; b < blocks() * (k + 1) / tasks; ++b) {
      const std::size_t begin = stream_bounds_[b * chunks], end = stream_bounds_[(b + 1) * chunks];
      for (std::size_t e = begin; e < end; ++e) local[results[e].offset] = results[e];
      const std::size_t base = b << block_shift;
      for (std::size_t i = 0; i < end - begin; ++i) {  // every row of the block
        store(base + i, local[i].fen);
        out.rule[base + i] = local[i].rule;
      }
    }
  });
  // Amounts past 32 bits, over their truncated entries.
  for (const auto& chunk : wide_) {
    for (const WideResult& r : chunk) store(r.row, r.fen);
  }
}

}  // namespace yibao::detail
