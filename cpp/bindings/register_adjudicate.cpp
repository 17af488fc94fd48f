// yibao._core.adjudicate: numpy columns in, numpy columns out. Arrays arrive with the exact
// dtypes (the Python layer negotiates them); the kernel then runs without the GIL, which is
// safe because it reads only these buffers, kept alive by the arguments, and writes only
// the freshly allocated outputs.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <span>

#include "yibao/adjudicate.hpp"

namespace py = pybind11;

namespace {

template <class T>
using Column = py::array_t<T, py::array::c_style>;

template <class T>
std::span<const T> in(const Column<T>& a) {
  return {a.data(), static_cast<std::size_t>(a.size())};
}

template <class T>
std::span<T> out(Column<T>& a) {
  return {a.mutable_data(), static_cast<std::size_t>(a.size())};
}

}  // namespace

void register_adjudicate(py::module_& m) {
  m.def(
      "adjudicate",
      [](const yibao::Policy& policy, const Column<std::int64_t>& member,
         const Column<std::int32_t>& day, const Column<std::int8_t>& level,
         const Column<std::int64_t>& eligible, const Column<std::int8_t>& status,
         const Column<std::int8_t>& service, const Column<std::int8_t>& prescriber,
         const Column<std::int8_t>& tier, const std::optional<Column<std::int64_t>>& institution,
         std::size_t threads) {
        const auto n = member.size();
        Column<std::int64_t> deductible(n), fund(n), self_pay(n), capped(n), ytd(n);
        Column<std::uint8_t> flags(n), version(n);
        const yibao::ClaimColumns claims{
            in(member),  in(day),        in(level), in(eligible),
            in(status),  in(service),    in(prescriber), in(tier),
            institution ? in(*institution) : std::span<const std::int64_t>{}};
        const yibao::AdjudicationColumns results{out(deductible), out(fund), out(self_pay),
                                                 out(capped),     out(ytd),  out(flags),
                                                 out(version)};
        {
          py::gil_scoped_release release;
          yibao::adjudicate(policy, claims, results, threads);
        }
        py::dict d;
        d["deductible"] = deductible;
        d["fund_paid"] = fund;
        d["self_pay"] = self_pay;
        d["capped"] = capped;
        d["ytd_fund_paid"] = ytd;
        d["rule_flags"] = flags;
        d["version"] = version;
        return d;
      },
      py::arg("policy"), py::arg("member"), py::arg("day"), py::arg("level"), py::arg("eligible"),
      py::arg("status"), py::arg("service"), py::arg("prescriber"), py::arg("tier"),
      py::arg("institution"), py::arg("threads") = 1);

  m.attr("rule_deductible") = static_cast<int>(yibao::rule_deductible);
  m.attr("rule_rate") = static_cast<int>(yibao::rule_rate);
  m.attr("rule_visit_cap") = static_cast<int>(yibao::rule_visit_cap);
  m.attr("rule_annual_cap") = static_cast<int>(yibao::rule_annual_cap);
  m.attr("rule_overall_cap") = static_cast<int>(yibao::rule_overall_cap);
  m.attr("rule_prescriber") = static_cast<int>(yibao::rule_prescriber);
}
