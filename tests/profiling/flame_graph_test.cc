// profiling/flame_graph.h: folding names and merges call paths; the SVG draws each
// frame as wide as its share, with a tooltip, and leaves out what is too narrow.
#include "troupe/profiling/flame_graph.h"

#include <regex>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "troupe/profiling/profile.h"

namespace troupe::profiling {
namespace {

__attribute__((noinline)) int FoldedLeafFunction(int x) {
  asm volatile("" : "+r"(x));
  return x + 1;
}

__attribute__((noinline)) int FoldedCallerFunction(int x) {
  asm volatile("" : "+r"(x));
  return FoldedLeafFunction(x) * 2;
}

uint64_t InsideOf(int (*function)(int)) { return reinterpret_cast<uint64_t>(function) + 1; }

ProfileSample Sample(std::vector<uint64_t> stack, int64_t count) {
  ProfileSample sample;
  sample.stack = std::move(stack);
  sample.values = {count, count * 10'000'000};
  return sample;
}

// caller -> leaf three times (in two samples), caller alone once, and a pseudo frame.
Profile ConstructedProfile() {
  Profile profile;
  profile.sample_types = {{"samples", "count"}, {"cpu", "nanoseconds"}};
  const uint64_t leaf = InsideOf(&FoldedLeafFunction);
  const uint64_t caller = InsideOf(&FoldedCallerFunction);
  profile.samples = {Sample({leaf, caller}, 2), Sample({caller}, 1), Sample({leaf, caller}, 1)};
  ProfileSample running;
  running.pseudo_frame = "[running]";
  running.values = {4, 40'000'000};
  profile.samples.push_back(running);
  return profile;
}

bool Names(const std::string& frame, const char* function) {
  return frame.find(function) != std::string::npos;
}

TEST(FlameGraphTest, FoldingNamesFramesOutermostFirstAndMergesEqualPaths) {
  const std::vector<FoldedStack> stacks = FoldStacks(ConstructedProfile());
  ASSERT_EQ(stacks.size(), 3u);
  // Heaviest first: [running] (4), caller;leaf (2 + 1), caller (1).
  EXPECT_EQ(stacks[0].frames, std::vector<std::string>{"[running]"});
  EXPECT_EQ(stacks[0].value, 4);
  ASSERT_EQ(stacks[1].frames.size(), 2u);
  EXPECT_TRUE(Names(stacks[1].frames[0], "FoldedCallerFunction")) << stacks[1].frames[0];
  EXPECT_TRUE(Names(stacks[1].frames[1], "FoldedLeafFunction")) << stacks[1].frames[1];
  EXPECT_EQ(stacks[1].value, 3);
  ASSERT_EQ(stacks[2].frames.size(), 1u);
  EXPECT_EQ(stacks[2].value, 1);
}

TEST(FlameGraphTest, FoldingUsesTheChosenValue) {
  const std::vector<FoldedStack> stacks = FoldStacks(ConstructedProfile(), 1);
  ASSERT_EQ(stacks.size(), 3u);
  EXPECT_EQ(stacks[0].value, 40'000'000);
  EXPECT_EQ(stacks[1].value, 30'000'000);
  // A value index past the samples' values folds nothing.
  EXPECT_TRUE(FoldStacks(ConstructedProfile(), 2).empty());
}

TEST(FlameGraphTest, FoldedTextIsFlamegraphPlInput) {
  const std::string text = FormatFoldedStacks({{{"main", "work"}, 7}, {{"[running]"}, 2}});
  EXPECT_EQ(text, "main;work 7\n[running] 2\n");
}

// The width attribute of the rectangle whose tooltip starts with `name`.
double WidthOf(const std::string& svg, const std::string& name) {
  const std::regex frame("<title>" + name + R"re( \([^<]*</title><rect [^>]*width="([0-9.]+)")re");
  std::smatch match;
  if (!std::regex_search(svg, match, frame)) return -1;
  return std::stod(match[1]);
}

TEST(FlameGraphTest, EachFrameIsAsWideAsItsShare) {
  const std::vector<FoldedStack> stacks = {
      {{"main", "parse"}, 30}, {{"main", "render"}, 10}, {{"idle"}, 60}};
  FlameGraphOptions options;
  options.width = 1000;
  options.title = "constructed";
  const std::string svg = RenderFlameGraphSvg(stacks, options);
  EXPECT_DOUBLE_EQ(WidthOf(svg, "all"), 1000);
  EXPECT_DOUBLE_EQ(WidthOf(svg, "idle"), 600);
  EXPECT_DOUBLE_EQ(WidthOf(svg, "main"), 400);
  EXPECT_DOUBLE_EQ(WidthOf(svg, "parse"), 300);
  EXPECT_DOUBLE_EQ(WidthOf(svg, "render"), 100);
  EXPECT_NE(svg.find("<title>parse (30 samples, 30.00%)</title>"), std::string::npos) << svg;
  EXPECT_NE(svg.find("constructed: 100 samples"), std::string::npos) << svg;
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
}

TEST(FlameGraphTest, FramesNarrowerThanTheThresholdAreLeftOut) {
  const std::vector<FoldedStack> stacks = {{{"main", "wide"}, 999}, {{"main", "narrow"}, 1}};
  FlameGraphOptions options;
  options.min_fraction = 0.01;
  const std::string svg = RenderFlameGraphSvg(stacks, options);
  EXPECT_GT(WidthOf(svg, "wide"), 0);
  EXPECT_EQ(WidthOf(svg, "narrow"), -1) << svg;
  EXPECT_DOUBLE_EQ(WidthOf(svg, "main"), options.width);  // the narrow one's time stays in main
}

TEST(FlameGraphTest, NamesAreEscaped) {
  const std::string svg =
      RenderFlameGraphSvg({{{"std::vector<int, std::allocator<int> >::push_back&"}, 1}});
  EXPECT_EQ(svg.find("vector<int"), std::string::npos) << svg;
  EXPECT_NE(svg.find("std::vector&lt;int, std::allocator&lt;int&gt; &gt;::push_back&amp;"),
            std::string::npos)
      << svg;
}

TEST(FlameGraphTest, AnEmptyProfileSaysSo) {
  FlameGraphOptions options;
  options.title = "idle design";
  const std::string svg = RenderFlameGraphSvg({}, options);
  EXPECT_NE(svg.find("idle design: no samples"), std::string::npos) << svg;
  EXPECT_EQ(svg.find("<rect"), std::string::npos) << svg;
}

}  // namespace
}  // namespace troupe::profiling
