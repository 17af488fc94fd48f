// Generated from python/yibao/schema.toml by python/yibao/_schemagen.py: do not edit.
// The schema's facts for the C++ core: vocabularies (codes = positions in schema.toml),
// the level range, rule flags and their code width, account credit flags, output names.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace yibao {

// Generated lists are laid out by _packed(), not by clang-format (which lays long
// lists of names out in columns that the generator would have to imitate).
// clang-format off
// Institution level: 0 = unrated/基层; policy files key level1..level3.
inline constexpr int min_level = 0;
inline constexpr int max_level = 3;
inline constexpr int n_levels = 4;
inline constexpr const char* level_range = "0..3";

inline constexpr int n_statuses = 2;
enum class Status : std::int8_t {
  in_service = 0,
  retired = 1,
};
inline constexpr const char* status_names[n_statuses] = {"in_service", "retired"};

inline constexpr int n_tiers = 3;
enum class Tier : std::int8_t {
  employer = 0,
  individual_1 = 1,
  individual_2 = 2,
};
inline constexpr const char* tier_names[n_tiers] = {"employer", "individual_1", "individual_2"};

inline constexpr int n_services = 8;
enum class Service : std::int8_t {
  // 普通门诊
  general = 0,
  // 定点零售药店 外配处方
  pharmacy = 1,
  // 互联网医院
  internet = 2,
  // 急诊
  emergency = 3,
  // 日间手术
  day_surgery = 4,
  // 门诊慢特病
  chronic = 5,
  // 特药
  special_drug = 6,
  // 定额报销的门诊诊察费、一般诊疗费等 (重庆 第六条第二款): paid outside the general-outpatient cap
  fixed_fee = 7,
};
inline constexpr const char* service_names[n_services] = {
    "general", "pharmacy", "internet", "emergency", "day_surgery", "chronic", "special_drug",
    "fixed_fee",
};

// rule code = version index × rule_codes_per_version + RuleFlag bits (a uint16).
inline constexpr int rule_flag_bits = 8;
inline constexpr std::uint16_t rule_codes_per_version = 256;
inline constexpr std::size_t max_versions = 255;
static_assert(max_versions * rule_codes_per_version <= 65536, "rule codes fit a uint16");

// What decided a row (the Python layer turns them into the policy's `rule` labels).
enum RuleFlag : std::uint8_t {
  // part of the row went to the deductible
  rule_deductible = 1U << 0,
  // the rate was applied to a positive amount
  rule_rate = 1U << 1,
  // the per-visit cap withheld fund payment
  rule_visit_cap = 1U << 2,
  // the pool's annual cap withheld fund payment
  rule_annual_cap = 1U << 3,
  // the overall annual cap withheld fund payment
  rule_overall_cap = 1U << 4,
  // levels taken from the prescribing institution
  rule_prescriber = 1U << 5,
  // dated within an inpatient stay: no general-outpatient payment (伊犁 第十六条)
  rule_inpatient_stay = 1U << 6,
  // the supplementary (大额) fund paid above the overall limit
  rule_supplementary = 1U << 7,
};

struct NamedFlag {
  const char* name;
  std::uint8_t bit;
};

inline constexpr std::array<NamedFlag, 8> rule_flags{{
    {"deductible", rule_deductible},
    {"rate", rule_rate},
    {"visit_cap", rule_visit_cap},
    {"annual_cap", rule_annual_cap},
    {"overall_cap", rule_overall_cap},
    {"prescriber", rule_prescriber},
    {"inpatient_stay", rule_inpatient_stay},
    {"supplementary", rule_supplementary},
}};

// Flags of a monthly account credit.
enum CreditFlag : std::uint8_t {
  // credited as retired (from the month after retirement)
  credit_retired = 1U << 0,
  // the provisional amount (暂定)
  credit_provisional = 1U << 1,
  // includes the top-up of earlier provisional months (补划差额)
  credit_true_up = 1U << 2,
};

inline constexpr std::array<NamedFlag, 3> credit_flags{{
    {"retired", credit_retired},
    {"provisional", credit_provisional},
    {"true_up", credit_true_up},
}};

// The result columns of an adjudication, in order (without those derived in Python).
inline constexpr std::array<const char*, 6> output_names{
    "deductible", "fund_paid", "self_pay", "capped", "ytd_fund_paid", "rule",
};
// clang-format on

}  // namespace yibao
