// Flame graphs of a profile, drawn without an external tool: the samples folded into
// symbolized call paths (the "folded stacks" that flamegraph.pl and speedscope read),
// and those paths drawn as a self-contained SVG, root at the top (pprof's web view
// draws it the same way up), each frame as wide as the share of the value it and its
// callees hold.
//
//   absl::StatusOr<Profile> profile = StopCpuProfile();
//   std::vector<FoldedStack> stacks = FoldStacks(*profile);
//   std::string svg = RenderFlameGraphSvg(stacks, {.title = "worker_pool"});
//
// Folding symbolizes in this process: call it in the process the profile was taken in
// (as EncodePprof). Frames of troupe's runtime are drawn in blue, frames without a
// symbol in grey and everything else in warm colours, so the scheduler's share of a
// design's time stands out from the work's.
#ifndef TROUPE_PROFILING_FLAME_GRAPH_H_
#define TROUPE_PROFILING_FLAME_GRAPH_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "troupe/profiling/profile.h"

namespace troupe::profiling {

// One call path and the value summed over every sample that took it.
struct FoldedStack {
  std::vector<std::string> frames;  // function names, the outermost first
  int64_t value = 0;
};

// The samples of `profile` by call path, each path once, heaviest first; the value is
// the sample value at `value_index` (CPU profiles: 0 = samples, 1 = nanoseconds). A
// sample without a stack is the one-frame path of its pseudo frame ("[running]").
// Samples whose value is not positive are left out.
std::vector<FoldedStack> FoldStacks(const Profile& profile, std::size_t value_index = 0);

// flamegraph.pl's input: one line per path, "outer;inner;innermost value".
std::string FormatFoldedStacks(const std::vector<FoldedStack>& stacks);

struct FlameGraphOptions {
  std::string title;             // drawn above the graph with the total
  std::string unit = "samples";  // what the values count, for the tooltips
  int width = 1200;              // pixels
  int row_height = 16;           // pixels per call depth
  int max_depth = 64;            // deeper frames are not drawn (their time is in their callers)
  // Frames narrower than this share of the total are not drawn (their value stays in
  // their caller's width), which keeps the SVG small for deep, varied profiles.
  double min_fraction = 0.002;
};

// The flame graph of `stacks` as a standalone <svg> element; each frame carries a
// <title> tooltip with its name, value and share. An empty `stacks` draws an empty
// graph that says so.
std::string RenderFlameGraphSvg(const std::vector<FoldedStack>& stacks,
                                const FlameGraphOptions& options = {});

}  // namespace troupe::profiling

#endif  // TROUPE_PROFILING_FLAME_GRAPH_H_
