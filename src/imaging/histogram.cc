// Histograms of metric values and the range that versions compared side by side share.
#include <algorithm>
#include <cmath>
#include <limits>

#include "imaging/imaging.h"

namespace openarts::imaging {
namespace {

// numpy.percentile's default ("linear"): position p/100 · (n − 1) between the sorted values.
// REQUIRES: `sorted` non-empty and sorted.
double Percentile(const std::vector<double>& sorted, double percent) {
  const double pos = percent * static_cast<double>(sorted.size() - 1) / 100.0;
  const size_t i = static_cast<size_t>(std::floor(pos));
  if (i + 1 >= sorted.size()) return sorted.back();
  const double frac = pos - static_cast<double>(i);
  return sorted[i] + frac * (sorted[i + 1] - sorted[i]);
}

}  // namespace

Histogram MakeHistogram(std::span<const double> values, double lo, double hi, int bins) noexcept {
  OA_CHECK(bins >= 1 && std::isfinite(lo) && std::isfinite(hi) && lo <= hi);
  if (lo == hi) lo -= 0.5, hi += 0.5;
  Histogram h;
  h.lo = lo;
  h.hi = hi;
  h.counts.assign(static_cast<size_t>(bins), 0);
  for (double v : values) {
    if (std::isnan(v)) continue;
    if (v < lo) {
      ++h.below;
    } else if (v > hi) {
      ++h.above;
    } else {
      const double pos = (v - lo) / (hi - lo) * bins;
      ++h.counts[static_cast<size_t>(std::min<double>(bins - 1, std::floor(pos)))];
    }
  }
  return h;
}

ValueRange SharedRange(std::span<const std::vector<double>> sets, double lower_percent,
                       double upper_percent) noexcept {
  OA_CHECK(0 <= lower_percent && lower_percent <= upper_percent && upper_percent <= 100);
  double lo = std::numeric_limits<double>::infinity();
  double hi = -std::numeric_limits<double>::infinity();
  std::vector<double> sorted;
  for (const std::vector<double>& set : sets) {
    sorted.clear();
    for (double v : set)
      if (std::isfinite(v)) sorted.push_back(v);
    if (sorted.empty()) continue;
    std::sort(sorted.begin(), sorted.end());
    lo = std::min(lo, Percentile(sorted, lower_percent));
    hi = std::max(hi, Percentile(sorted, upper_percent));
  }
  if (lo > hi) return {0, 0};  // nothing finite
  return {lo, hi};
}

}  // namespace openarts::imaging
