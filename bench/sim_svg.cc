#include "bench/sim_svg.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace authnet::bench {
namespace {

constexpr double kPanelWidth = 360;
constexpr double kPanelHeight = 240;
constexpr double kLeft = 64;  // room for the y tick labels
constexpr double kTop = 56;
constexpr double kBottom = 48;  // room for the x tick labels and the axis title
constexpr double kGap = 88;

std::string Escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// NiceTop is the smallest of 1, 2, 5 times a power of ten at or above `v`
// (the top of a y axis, ticked in fifths), at least `floor`.
double NiceTop(double v, double floor) {
  v = std::max(v, floor);
  double decade = std::pow(10, std::floor(std::log10(v)));
  for (double step : {1.0, 2.0, 5.0, 10.0}) {
    if (step * decade >= v - 1e-12) {
      return step * decade;
    }
  }
  return 10 * decade;
}

// Panel draws one series (values as fractions, shown as percent) at x
// offset `x0`.
// `decimals` is for the values (as the table prints them); the y axis runs
// from 0 to at least `floor` percent.
std::string Panel(const std::vector<SimPoint>& points, double (*value)(const SimPoint&),
                  const std::string& label, const char* color, int decimals, double floor,
                  double x0) {
  double top = 0;
  for (const SimPoint& p : points) {
    top = std::max(top, 100 * value(p));
  }
  top = NiceTop(top, floor);
  const int tick_decimals = std::max(0, static_cast<int>(-std::floor(std::log10(top / 5))));
  const double lo_x = std::log2(points.front().members);
  const double hi_x = std::log2(std::max(points.back().members, points.front().members + 1));
  auto px = [&](int members) {
    return x0 + kLeft + (std::log2(members) - lo_x) / (hi_x - lo_x) * (kPanelWidth - 24);
  };
  auto py = [&](double percent) { return kTop + kPanelHeight * (1 - percent / top); };
  std::string out = absl::StrFormat(
      "<g class=\"panel\">\n<text x=\"%.1f\" y=\"%.1f\" font-size=\"14\" "
      "font-weight=\"bold\">%s</text>\n",
      x0 + kLeft, kTop - 16, Escape(label));
  // Axes, y ticks at fifths, x ticks at each size.
  out += absl::StrFormat("<path d=\"M%.1f %.1f V%.1f H%.1f\" stroke=\"#333\" fill=\"none\"/>\n",
                         x0 + kLeft, kTop, kTop + kPanelHeight, x0 + kLeft + kPanelWidth);
  for (int q = 0; q <= 5; ++q) {
    double percent = top * q / 5;
    out += absl::StrFormat(
        "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>"
        "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\">%.*f%%</text>\n",
        x0 + kLeft, py(percent), x0 + kLeft + kPanelWidth, py(percent), x0 + kLeft - 6,
        py(percent) + 4, tick_decimals, percent);
  }
  std::string line;
  for (const SimPoint& p : points) {
    double percent = 100 * value(p);
    out += absl::StrFormat(
        "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"middle\">%d</text>\n",
        px(p.members), kTop + kPanelHeight + 16, p.members);
    out += absl::StrFormat(
        "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\"><title>%d: %.*f%%</title></circle>"
        "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"middle\">%.*f%%</text>\n",
        px(p.members), py(percent), color, p.members, decimals, percent, px(p.members),
        py(percent) - 9, decimals, percent);
    absl::StrAppend(&line, line.empty() ? "M" : " L",
                    absl::StrFormat("%.1f %.1f", px(p.members), py(percent)));
  }
  out += absl::StrFormat("<path d=\"%s\" stroke=\"%s\" stroke-width=\"2\" fill=\"none\"/>\n", line,
                         color);
  out += absl::StrFormat(
      "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" text-anchor=\"middle\">platforms per "
      "network</text>\n</g>\n",
      x0 + kLeft + kPanelWidth / 2, kTop + kPanelHeight + 36);
  return out;
}

}  // namespace

std::string SimSvg(const std::vector<SimPoint>& points, const std::string& title) {
  const double width = 2 * (kLeft + kPanelWidth) + kGap;
  const double height = kTop + kPanelHeight + kBottom;
  std::string out = absl::StrFormat(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
      "viewBox=\"0 0 %.0f %.0f\" font-family=\"sans-serif\">\n"
      "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
      "<text x=\"%.1f\" y=\"20\" font-size=\"15\" text-anchor=\"middle\">%s</text>\n",
      width, height, width, height, width / 2, Escape(title));
  if (points.empty()) {
    return out + "</svg>\n";
  }
  out += Panel(
      points, [](const SimPoint& p) { return p.recall; }, "recall: counterfeit checkouts denied",
      "#1f77b4", 2, 1, 0);
  out += Panel(
      points, [](const SimPoint& p) { return p.false_deny; },
      "false deny: genuine checkouts denied", "#d62728", 3, 0.01, kLeft + kPanelWidth + kGap);
  return out + "</svg>\n";
}

}  // namespace authnet::bench
