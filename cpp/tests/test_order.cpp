#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "yibao/calendar.hpp"
#include "yibao/errors.hpp"
#include "yibao/parallel.hpp"

TEST(Order, ChunksNeverSplitAMember) {
  const std::vector<std::int64_t> member{0, 0, 0, 1, 2, 2, 2, 2, 3};
  const std::vector<std::int32_t> day(member.size(), 0);
  for (std::size_t k = 1; k <= 12; ++k) {
    const auto bounds = yibao::member_chunks(member, k);
    ASSERT_EQ(bounds.front(), 0U);
    ASSERT_EQ(bounds.back(), member.size());
    for (std::size_t b = 1; b + 1 < bounds.size(); ++b) {
      EXPECT_LT(bounds[b - 1], bounds[b]);
      EXPECT_NE(member[bounds[b]], member[bounds[b] - 1]);
    }
  }
}

TEST(Calendar, YearOfDay) {
  EXPECT_EQ(yibao::civil_from_days(0).year, 1970);
  EXPECT_EQ(yibao::civil_from_days(19722).year, 2023);  // 2023-12-31
  EXPECT_EQ(yibao::civil_from_days(19723).year, 2024);  // 2024-01-01
  EXPECT_EQ(yibao::civil_from_days(-1).year, 1969);
  EXPECT_EQ(yibao::civil_from_days(11016).year, 2000);  // 2000-02-29
  EXPECT_EQ(yibao::date_string(11016), "2000-02-29");
  EXPECT_EQ(yibao::date_string(19723), "2024-01-01");
  EXPECT_EQ(yibao::date_string(-1), "1969-12-31");
  for (std::int32_t day = -800000; day < 800000; day += 97) {  // both directions agree
    const auto c = yibao::civil_from_days(day);
    ASSERT_EQ(yibao::days_from_civil_wide(c.year, c.month, c.day), day);
    ASSERT_LE(yibao::days_from_civil_wide(c.year, 1, 1), day);
    ASSERT_GT(yibao::days_from_civil_wide(c.year + 1, 1, 1), day);
  }
}

#include <array>
#include <random>
#include <string>

#include "yibao/labels.hpp"

TEST(Labels, MapsArrowStringsToCodes) {
  const std::string data = "retiredin_service退休";
  const std::vector<std::int32_t> offsets{0, 7, 17, 23, 23};
  const std::vector<std::uint8_t> validity{0b0111};  // row 3 is null
  const yibao::LabelTable table{{"in_service", "retired", "退休"}, {0, 1, 1}};
  const yibao::LabelMatcher matcher(table);
  using Chunks = std::vector<yibao::StringChunk<std::int32_t>>;
  const Chunks chunks{{offsets, data, validity, 0}};
  std::vector<std::int8_t> out(3);
  EXPECT_FALSE(yibao::label_codes<std::int32_t>(chunks, matcher, 0, out));
  EXPECT_EQ(out, (std::vector<std::int8_t>{1, 0, 1}));
  std::vector<std::int8_t> four(4);
  EXPECT_TRUE(yibao::label_codes<std::int32_t>(chunks, matcher, 0, four));  // the null row
  EXPECT_EQ(four, (std::vector<std::int8_t>{1, 0, 1, -1}));
  std::vector<std::int8_t> two(2);
  EXPECT_FALSE(yibao::label_codes<std::int32_t>(chunks, matcher, 1, two));
  EXPECT_EQ(two, (std::vector<std::int8_t>{0, 1}));
  const std::vector<std::int32_t> unknown_offsets{0, 3};  // "ret"
  std::vector<std::int8_t> one(1);
  EXPECT_TRUE(
      yibao::label_codes<std::int32_t>(Chunks{{unknown_offsets, data, {}, 0}}, matcher, 0, one));
  const std::vector<std::int32_t> corrupt_offsets{7, 99};  // past the data
  EXPECT_TRUE(
      yibao::label_codes<std::int32_t>(Chunks{{corrupt_offsets, data, {}, 0}}, matcher, 0, one));
}

// Rows counted over chunks, blocks that span two chunks; labels longer than 16 bytes and
// labels sharing their first 16 bytes are told apart by their whole text.
TEST(Labels, ChunksAndLongLabels) {
  const std::string a = "individual_1_long_name", b = "individual_1_long_other", c = "x";
  const yibao::LabelTable table{{a, b, c, "在职"}, {1, 2, 3, 4}};
  const yibao::LabelMatcher matcher(table);
  std::string data;
  std::vector<std::int64_t> offsets{0};
  std::vector<std::int8_t> expected;
  const std::vector<std::pair<std::string, std::int8_t>> cycle{{a, 1}, {c, 3}, {b, 2}, {"在职", 4}};
  for (std::size_t i = 0; i < 100000; ++i) {
    const auto& [label, code] = cycle[(i * 7) % cycle.size()];
    data += label;
    offsets.push_back(static_cast<std::int64_t>(data.size()));
    expected.push_back(code);
  }
  const std::size_t cut = 40000;  // two chunks over the same data buffer
  const std::vector<yibao::StringChunk<std::int64_t>> chunks{
      {std::span(offsets).first(cut + 1), data, {}, 0},
      {std::span(offsets).subspan(cut), data, {}, 0}};
  for (const std::size_t block : {100000U, 16384U, 7U}) {
    std::vector<std::int8_t> out(expected.size());
    for (std::size_t first = 0; first < out.size(); first += block) {
      const std::size_t m = std::min(block, out.size() - first);
      EXPECT_FALSE(yibao::label_codes<std::int64_t>(chunks, matcher, first,
                                                    std::span(out).subspan(first, m)));
    }
    EXPECT_EQ(out, expected);
  }
  // An unknown value is bad in its block only.
  std::string bad = data;
  bad[static_cast<std::size_t>(offsets[70000])] = 'y';  // row 70000 no longer matches
  const std::vector<yibao::StringChunk<std::int64_t>> bad_chunks{
      {std::span(offsets).first(cut + 1), bad, {}, 0},
      {std::span(offsets).subspan(cut), bad, {}, 0}};
  std::vector<std::int8_t> out(10);
  EXPECT_FALSE(yibao::label_codes<std::int64_t>(bad_chunks, matcher, 69990, out));
  EXPECT_TRUE(yibao::label_codes<std::int64_t>(bad_chunks, matcher, 69991, out));
  EXPECT_EQ(out[9], -1);
  EXPECT_TRUE(yibao::label_codes<std::int64_t>(bad_chunks, matcher, 99995, out));  // past the end
}

// label_codes() over rows that need no care (its branch-free short path) and rows that do
// (a value not accepted, a string longer than 16 bytes, offsets out of order or past the
// data, rows too near the end of their data to read 16 bytes from): the same codes, and a
// bad row noted.
TEST(Labels, ShortPathAndCarefulPathAgree) {
  const yibao::LabelTable status{{"in_service", "retired", "在职", "退休"}, {0, 1, 0, 1}};
  const yibao::LabelTable service{{"general", "pharmacy", "special_drug"}, {0, 1, 6}};
  const yibao::LabelTable tier{{"employer", "individual_1", "individual_2", "个人一档"},
                               {0, 1, 2, 1}};
  const std::array<const yibao::LabelTable*, 3> tables{&status, &service, &tier};
  const std::array<yibao::LabelMatcher, 3> matchers{
      yibao::LabelMatcher(status), yibao::LabelMatcher(service), yibao::LabelMatcher(tier)};
  std::mt19937_64 random(5);
  const std::size_t n = 5000;
  std::array<std::string, 3> data;
  std::array<std::vector<std::int64_t>, 3> offsets;
  std::array<std::vector<std::int8_t>, 3> expected;
  for (std::size_t k = 0; k < 3; ++k) {
    offsets[k].push_back(0);
    for (std::size_t i = 0; i < n; ++i) {
      const std::size_t pick = random() % tables[k]->labels.size();
      data[k] += tables[k]->labels[pick];
      offsets[k].push_back(static_cast<std::int64_t>(data[k].size()));
      expected[k].push_back(tables[k]->codes[pick]);
    }
  }
  // Each column alone, one chunk: whether a row is bad.
  auto each = [&](const std::array<std::string, 3>& text,
                  const std::array<std::vector<std::int64_t>, 3>& at,
                  std::array<std::vector<std::int8_t>, 3>& out) {
    bool bad = false;
    for (std::size_t k = 0; k < 3; ++k) {
      out[k].assign(n, -9);
      const std::vector<yibao::StringChunk<std::int64_t>> chunk{{at[k], text[k], {}, 0}};
      bad |= yibao::label_codes<std::int64_t>(chunk, matchers[k], 0, out[k]);
    }
    return bad;
  };
  std::array<std::vector<std::int8_t>, 3> out;
  // The last rows lie within 16 bytes of their data's end: the careful path reads them.
  EXPECT_FALSE(each(data, offsets, out));
  EXPECT_EQ(out, expected);
  std::array<std::string, 3> padded = data;
  for (auto& text : padded) text.append(16, ' ');
  EXPECT_FALSE(each(padded, offsets, out));
  EXPECT_EQ(out, expected);
  // Rows that need care: bad, or (a long string) matched the careful way.
  auto refused = [&](auto change) {
    std::array<std::string, 3> text = padded;
    std::array<std::vector<std::int64_t>, 3> at = offsets;
    change(text, at);
    return each(text, at, out);
  };
  EXPECT_TRUE(refused(
      [&](auto& text, auto&) { text[1][static_cast<std::size_t>(offsets[1][2500])] = 'X'; }));
  EXPECT_TRUE(refused([&](auto& text, auto& at) {  // "retired" + 10 more bytes: 17 in all
    text[0].insert(static_cast<std::size_t>(at[0][4000] + 7), "retiredABC");
    for (std::size_t i = 4001; i <= n; ++i) at[0][i] += 10;
  }));
  EXPECT_EQ(out[0][4000], -1);
  EXPECT_EQ(out[0][4001], expected[0][4001]);
  EXPECT_TRUE(refused([](auto&, auto& at) { std::swap(at[2][100], at[2][101]); }));
  EXPECT_TRUE(refused(
      [&](auto&, auto& at) { at[2][n] = static_cast<std::int64_t>(padded[2].size()) + 1; }));
}
