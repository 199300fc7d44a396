// Runs every seed of the request fuzzer's corpus (services/fuzz/corpus/) through the
// fuzzer's invariants (services/fuzz/request_checks.h), and checks the outcome of
// named seeds. The fuzzer itself runs with services/fuzz/run_fuzzer.sh.
#include <dirent.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "troupe/services/fuzz/request_checks.h"
#include "troupe/services/request_parser.h"

namespace troupe::services::fuzz {
namespace {

std::string CorpusDir() {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  return std::string(srcdir != nullptr ? srcdir : ".") + "/troupe/services/fuzz/corpus";
}

std::map<std::string, std::string> LoadCorpus() {
  std::map<std::string, std::string> seeds;
  const std::string dir = CorpusDir();
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return seeds;
  while (dirent* entry = readdir(d)) {
    const std::string name = entry->d_name;
    if (name == "." || name == "..") continue;
    std::ifstream in(dir + "/" + name, std::ios::binary);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    seeds[name] = bytes.str();
  }
  closedir(d);
  return seeds;
}

const std::map<std::string, std::string>& Corpus() {
  static const auto* corpus = new std::map<std::string, std::string>(LoadCorpus());
  return *corpus;
}

CheckResult Check(const std::string& seed) {
  auto it = Corpus().find(seed);
  EXPECT_NE(it, Corpus().end()) << "no seed " << seed << " in " << CorpusDir();
  if (it == Corpus().end()) return {};
  CheckResult result = CheckRequestBytes(it->second);
  EXPECT_EQ(result.failure, "") << seed;
  return result;
}

TEST(RequestCorpusTest, EverySeedKeepsTheInvariants) {
  ASSERT_GE(Corpus().size(), 10u) << "corpus not found in " << CorpusDir();
  for (const auto& [name, bytes] : Corpus()) {
    const CheckResult result = CheckRequestBytes(bytes);
    EXPECT_EQ(result.failure, "") << "seed " << name;
  }
}

TEST(RequestCorpusTest, ValidRequests) {
  CheckResult r = Check("get_hello");
  EXPECT_EQ(r.error_status, 0);
  ASSERT_EQ(r.outcome.requests.size(), 1u);
  EXPECT_EQ(r.outcome.requests[0].method, "GET");
  EXPECT_EQ(r.outcome.requests[0].path, "/hello");
  EXPECT_EQ(PureRoute(r.outcome.requests[0])->status, 200);

  r = Check("get_hello_query");
  ASSERT_EQ(r.outcome.requests.size(), 1u);
  EXPECT_EQ(PureRoute(r.outcome.requests[0])->status, 200);

  r = Check("get_not_found");
  ASSERT_EQ(r.outcome.requests.size(), 1u);
  EXPECT_EQ(PureRoute(r.outcome.requests[0])->status, 404);

  r = Check("post_hello");
  ASSERT_EQ(r.outcome.requests.size(), 1u);
  EXPECT_EQ(PureRoute(r.outcome.requests[0])->status, 405);

  r = Check("put_kv");
  ASSERT_EQ(r.outcome.requests.size(), 1u);
  EXPECT_EQ(r.outcome.requests[0].method, "PUT");
  EXPECT_EQ(r.outcome.requests[0].body, "fruit");

  r = Check("delete_kv");
  ASSERT_EQ(r.outcome.requests.size(), 1u);
  EXPECT_EQ(r.outcome.requests[0].method, "DELETE");
  EXPECT_EQ(r.outcome.requests[0].path, "/kv/apple");
}

TEST(RequestCorpusTest, PipelinedAndKeepAlive) {
  CheckResult r = Check("pipelined");
  EXPECT_EQ(r.error_status, 0);
  ASSERT_EQ(r.outcome.requests.size(), 3u);
  EXPECT_EQ(r.outcome.requests[0].path, "/kv/apple");
  EXPECT_EQ(r.outcome.requests[1].body, "soft");
  EXPECT_EQ(r.outcome.requests[2].path, "/hello");
  EXPECT_TRUE(r.outcome.requests[0].keep_alive);
  EXPECT_FALSE(r.outcome.requests[2].keep_alive);  // Connection: close

  r = Check("keep_alive");
  ASSERT_EQ(r.outcome.requests.size(), 2u);
  EXPECT_TRUE(r.outcome.requests[0].keep_alive);
  EXPECT_TRUE(r.outcome.requests[1].keep_alive);

  r = Check("http10");  // HTTP/1.0 needs no Host
  ASSERT_EQ(r.outcome.requests.size(), 1u);
  EXPECT_FALSE(r.outcome.requests[0].keep_alive);
}

TEST(RequestCorpusTest, ChunkedBodyAndBareLf) {
  CheckResult r = Check("chunked");
  EXPECT_EQ(r.error_status, 0);
  ASSERT_EQ(r.outcome.requests.size(), 1u);
  EXPECT_EQ(r.outcome.requests[0].body, "hello world");

  // http-parser accepts LF without CR as a line end.
  r = Check("bare_lf");
  EXPECT_EQ(r.error_status, 0);
  ASSERT_EQ(r.outcome.requests.size(), 1u);
  EXPECT_EQ(r.outcome.requests[0].path, "/hello");
}

TEST(RequestCorpusTest, MalformedIs400) {
  for (const char* seed : {"malformed_request_line", "malformed_version", "malformed_header",
                           "bad_content_length"}) {
    const CheckResult r = Check(seed);
    EXPECT_EQ(r.error_status, 400) << seed;
    EXPECT_EQ(r.outcome.error, RequestParser::Error::kMalformed) << seed;
  }
}

TEST(RequestCorpusTest, OversizedHeaderIs431) {
  const CheckResult r = Check("oversized_header");
  EXPECT_EQ(r.error_status, 431);
  EXPECT_TRUE(r.outcome.requests.empty());
}

TEST(RequestCorpusTest, OversizedBodyIs413) {
  for (const char* seed : {"oversized_body", "oversized_chunked_body"}) {
    const CheckResult r = Check(seed);
    EXPECT_EQ(r.error_status, 413) << seed;
    EXPECT_TRUE(r.outcome.requests.empty()) << seed;
  }
}

// RFC 9112 says a server MUST reject each of these (request smuggling starts where
// two parsers disagree); non-strict http-parser alone accepted all but one.
TEST(RequestCorpusTest, SmugglingLeniencyIsRejected) {
  for (const char* seed : {"smuggle_space_before_colon", "smuggle_space_in_name",
                           "smuggle_chunk_without_crlf", "smuggle_duplicate_te", "missing_host",
                           "two_hosts", "obs_fold", "bare_cr_in_field",
                           "double_space_request_line", "fragment_in_target"}) {
    const CheckResult r = Check(seed);
    EXPECT_EQ(r.error_status, 400) << seed;
    EXPECT_TRUE(r.outcome.requests.empty()) << seed;
  }
}

TEST(RequestCorpusTest, UnsupportedVersionIs505AndCodingIs501) {
  CheckResult r = Check("version_9_9");
  EXPECT_EQ(r.error_status, 505);
  EXPECT_TRUE(r.outcome.requests.empty());
  r = Check("smuggle_te_gzip");
  EXPECT_EQ(r.error_status, 501);
  EXPECT_TRUE(r.outcome.requests.empty());
}

TEST(RequestCorpusTest, EveryByteOfTheHeadCountsTowardsItsLimit) {
  // 1,100 spaces of padding in one field: under the fuzz limit (1 KiB) in name and
  // value bytes, over it in bytes of the head.
  const CheckResult r = Check("whitespace_head");
  EXPECT_EQ(r.error_status, 431);
  EXPECT_TRUE(r.outcome.requests.empty());
}

TEST(RequestCorpusTest, HeadAbsoluteFormAndTrailersAreAccepted) {
  CheckResult r = Check("head_hello");
  ASSERT_EQ(r.outcome.requests.size(), 1u);
  EXPECT_EQ(r.outcome.requests[0].method, "HEAD");
  EXPECT_EQ(PureRoute(r.outcome.requests[0])->status, 200);
  r = Check("absolute_form");
  ASSERT_EQ(r.outcome.requests.size(), 1u);
  EXPECT_EQ(r.outcome.requests[0].path, "http://example.org:80/hello");
  r = Check("chunked_with_trailer");
  ASSERT_EQ(r.outcome.requests.size(), 1u);
  EXPECT_EQ(r.outcome.requests[0].body, "abc");
}

TEST(RequestCorpusTest, TheDifferentialCheckCatchesALenientParser) {
  // The check itself must fail on leniency: what the reference rejects, the server
  // must not accept. (The server's own parser is strict, so feed the reference's
  // verdict a request the lenient http-parser alone would have passed.)
  const ReferenceOutcome reference =
      ReferenceParse("POST /kv/a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\n\r\n"
                     "0\r\n\r\n");
  EXPECT_EQ(reference.end, ReferenceOutcome::End::kRejected);
  EXPECT_TRUE(reference.requests.empty());
}

TEST(RequestCorpusTest, TruncatedRequestIsPending) {
  const CheckResult r = Check("truncated");
  EXPECT_EQ(r.error_status, 0);
  EXPECT_TRUE(r.outcome.requests.empty());
}

}  // namespace
}  // namespace troupe::services::fuzz
