// Flame graphs: folding (symbolize each sample's addresses, merge equal paths) and
// drawing (a tree of frames laid out left to right by value, one row per depth).
#include "troupe/profiling/flame_graph.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "troupe/profiling/internal/symbolizer.h"

namespace troupe::profiling {
namespace {

// A frame of the call tree: its function, the value of every path through it, and its
// callees (indices into the tree's node vector).
struct FrameNode {
  std::string name;
  int64_t value = 0;
  std::vector<int> callees;
  absl::flat_hash_map<std::string, int> callee_by_name;
};

// Builds the call tree of `stacks` under a root named "all"; node 0 is the root.
std::vector<FrameNode> BuildCallTree(const std::vector<FoldedStack>& stacks) {
  std::vector<FrameNode> nodes(1);
  nodes[0].name = "all";
  for (const FoldedStack& stack : stacks) {
    int node = 0;
    nodes[0].value += stack.value;
    for (const std::string& frame : stack.frames) {
      auto [it, added] =
          nodes[node].callee_by_name.try_emplace(frame, static_cast<int>(nodes.size()));
      const int callee = it->second;
      if (added) {
        nodes[node].callees.push_back(callee);
        nodes.push_back(FrameNode{frame, 0, {}, {}});  // may move nodes: no references kept
      }
      nodes[callee].value += stack.value;
      node = callee;
    }
  }
  // The heaviest callee leftmost, as pprof draws it; names break ties, so the same
  // profile always draws the same picture.
  for (FrameNode& node : nodes) {
    std::sort(node.callees.begin(), node.callees.end(), [&nodes](int a, int b) {
      if (nodes[a].value != nodes[b].value) return nodes[a].value > nodes[b].value;
      return nodes[a].name < nodes[b].name;
    });
  }
  return nodes;
}

std::string EscapeXml(const std::string& text) {
  std::string escaped;
  escaped.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '<': escaped += "&lt;"; break;
      case '>': escaped += "&gt;"; break;
      case '&': escaped += "&amp;"; break;
      case '"': escaped += "&quot;"; break;
      default: escaped += c;
    }
  }
  return escaped;
}

// troupe's own code (the runtime, channels, actors' machinery), not the work it runs.
bool IsRuntimeFrame(const std::string& name) {
  if (absl::StartsWith(name, "troupe::benchmarks::")) return false;  // the workloads
  return absl::StartsWith(name, "troupe::") || absl::StartsWith(name, "boost::context::") ||
         absl::StrContains(name, "_fcontext");
}

// The fill of a frame: blue for the runtime, grey for unsymbolized code, and a warm
// colour picked by the name's hash for the rest, so a function keeps its colour
// across graphs.
std::string FrameColor(const std::string& name) {
  uint32_t hash = 2166136261u;  // FNV-1a
  for (unsigned char c : name) hash = (hash ^ c) * 16777619u;
  if (absl::StartsWith(name, "0x") || absl::StartsWith(name, "[")) {
    return absl::StrFormat("rgb(%d,%d,%d)", 170 + hash % 30, 170 + hash % 30, 170 + hash % 30);
  }
  if (IsRuntimeFrame(name)) {
    return absl::StrFormat("rgb(%d,%d,%d)", 80 + hash % 50, 140 + (hash >> 8) % 50,
                           210 + (hash >> 16) % 40);
  }
  return absl::StrFormat("rgb(%d,%d,%d)", 225 + hash % 30, 90 + (hash >> 8) % 110,
                         40 + (hash >> 16) % 40);
}

constexpr double kCharWidth = 6.6;  // of the 11px monospace labels
constexpr int kTitleHeight = 24;

struct Layout {
  const std::vector<FrameNode>& nodes;
  const FlameGraphOptions& options;
  double pixels_per_value;
  int64_t min_value;  // narrower frames are not drawn
  int64_t total;
  std::string* svg;

  void Draw(int node, double x, int depth) const {
    const FrameNode& frame = nodes[node];
    const double width = static_cast<double>(frame.value) * pixels_per_value;
    const int y = kTitleHeight + depth * options.row_height;
    const std::string name = EscapeXml(frame.name);
    absl::StrAppendFormat(svg,
                          "<g><title>%s (%d %s, %.2f%%)</title>"
                          "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\" "
                          "rx=\"2\"/>",
                          name, frame.value, EscapeXml(options.unit),
                          100.0 * static_cast<double>(frame.value) / static_cast<double>(total),
                          x, y, width, options.row_height - 1,
                          depth == 0 ? std::string("rgb(200,200,200)") : FrameColor(frame.name));
    const int fits = static_cast<int>((width - 6) / kCharWidth);
    if (fits >= 3) {
      std::string label = frame.name;
      if (static_cast<int>(label.size()) > fits) label = label.substr(0, fits - 2) + "..";
      absl::StrAppendFormat(svg, "<text x=\"%.1f\" y=\"%d\">%s</text>", x + 3,
                            y + options.row_height - 4, EscapeXml(label));
    }
    svg->append("</g>\n");
    if (depth + 1 >= options.max_depth) return;
    double callee_x = x;
    for (int callee : frame.callees) {
      if (nodes[callee].value < min_value) break;  // the rest are lighter still
      Draw(callee, callee_x, depth + 1);
      callee_x += static_cast<double>(nodes[callee].value) * pixels_per_value;
    }
  }

  int Depth(int node, int depth) const {
    int deepest = depth;
    if (depth + 1 >= options.max_depth) return deepest;
    for (int callee : nodes[node].callees) {
      if (nodes[callee].value < min_value) break;
      deepest = std::max(deepest, Depth(callee, depth + 1));
    }
    return deepest;
  }
};

}  // namespace

std::vector<FoldedStack> FoldStacks(const Profile& profile, std::size_t value_index) {
  profiling_internal::Symbolizer symbolizer;
  absl::flat_hash_map<std::string, std::size_t> index_by_path;  // "a;b;c" -> stacks index
  std::vector<FoldedStack> stacks;
  for (const ProfileSample& sample : profile.samples) {
    if (value_index >= sample.values.size() || sample.values[value_index] <= 0) continue;
    std::vector<std::string> frames;
    if (sample.stack.empty()) {
      frames.push_back(sample.pseudo_frame.empty() ? "[unknown]" : sample.pseudo_frame);
    } else {
      frames.reserve(sample.stack.size());
      for (auto address = sample.stack.rbegin(); address != sample.stack.rend(); ++address) {
        frames.push_back(symbolizer.FunctionName(*address));
      }
    }
    std::string path = absl::StrJoin(frames, ";");
    auto [it, added] = index_by_path.try_emplace(std::move(path), stacks.size());
    if (added) stacks.push_back(FoldedStack{std::move(frames), 0});
    stacks[it->second].value += sample.values[value_index];
  }
  std::sort(stacks.begin(), stacks.end(), [](const FoldedStack& a, const FoldedStack& b) {
    if (a.value != b.value) return a.value > b.value;
    return a.frames < b.frames;
  });
  return stacks;
}

std::string FormatFoldedStacks(const std::vector<FoldedStack>& stacks) {
  std::string text;
  for (const FoldedStack& stack : stacks) {
    absl::StrAppend(&text, absl::StrJoin(stack.frames, ";"), " ", stack.value, "\n");
  }
  return text;
}

std::string RenderFlameGraphSvg(const std::vector<FoldedStack>& stacks,
                                const FlameGraphOptions& options) {
  const std::vector<FrameNode> nodes = BuildCallTree(stacks);
  const int64_t total = nodes[0].value;
  const double pixels_per_value =
      total > 0 ? static_cast<double>(options.width) / static_cast<double>(total) : 0;
  const int64_t min_value = std::max<int64_t>(
      1, static_cast<int64_t>(options.min_fraction * static_cast<double>(total)));
  std::string body;
  Layout layout{nodes, options, pixels_per_value, min_value, total, &body};
  int rows = 1;
  if (total > 0) {
    layout.Draw(0, 0, 0);
    rows = layout.Depth(0, 0) + 1;
  }
  const int height = kTitleHeight + rows * options.row_height + 4;
  std::string svg = absl::StrFormat(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"flame-graph\" width=\"%d\" "
      "height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"monospace\" font-size=\"11\">\n"
      "<text x=\"0\" y=\"15\" font-size=\"13\">%s</text>\n",
      options.width, height, options.width, height,
      EscapeXml(total > 0 ? absl::StrCat(options.title, options.title.empty() ? "" : ": ", total,
                                         " ", options.unit)
                          : absl::StrCat(options.title, options.title.empty() ? "" : ": ",
                                         "no samples")));
  svg += body;
  svg += "</svg>\n";
  return svg;
}

}  // namespace troupe::profiling
