// The fast path for a sorted frame of the usual dtypes: conversion and adjudication in one
// pass, block by block, so the converted columns never leave the cache (docs/performance.md).
// The general path (convert every column, then yibao::adjudicate) stays the reference: this
// one gives up, and the caller takes it, at the first row that is out of order or does not
// convert, so every error is raised by the general path, worded and placed the same way.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "yibao/claims.hpp"
#include "yibao/labels.hpp"
#include "yibao/money.hpp"
#include "yibao/policy.hpp"

namespace yibao {

// The claim columns as a pandas frame holds them (DESIGN §3), before any conversion.
struct FrameColumns {
  std::span<const std::int64_t> member;              // int64 ids
  std::span<const std::int64_t> date_ns;             // datetime64[ns]
  std::span<const std::int8_t> level;                // 0..3
  std::span<const double> eligible;                  // float64 yuan
  std::vector<StringChunk<std::int64_t>> status;     // Arrow large_string chunks
  std::vector<StringChunk<std::int64_t>> service;    // empty: every row "general"
  std::vector<StringChunk<std::int64_t>> tier;       // empty: every row "employer"
  std::span<const std::int8_t> prescriber;           // empty: no prescriber on any row
  std::span<const std::uint8_t> prescriber_missing;  // 1 = missing; empty: none missing
  std::span<const std::int64_t> institution;         // institution keys; may be empty
  const Rounding* rounding = nullptr;                // for amounts with more than 2 decimals
  std::int64_t max_fen = 0;                          // the largest amount accepted
};

struct FrameLabels {
  LabelTable status, service, tier;
};

// Adjudicate `frame` into `out` if its rows are sorted by (member, date) and every value
// converts; otherwise return false (the outputs are then unspecified). Errors of the policy
// (a missing parameter, no version in force) also return false, for the general path to raise.
bool adjudicate_frame(const Policy& policy, const FrameColumns& frame, const FrameLabels& labels,
                      const AdjudicationColumns& out, std::size_t threads = 1);

}  // namespace yibao
