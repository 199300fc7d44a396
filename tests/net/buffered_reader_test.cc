// net/buffered_reader.h over a loopback connection whose peer writes in pieces.
#include "troupe/net/buffered_reader.h"

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "troupe/net/tcp.h"
#include "troupe/tests/scheduler/test_support.h"

namespace troupe {
namespace {

using BufferedReaderTest = testing::RuntimeTest;

// Runs `body` with a reader over a connection whose peer sent `pieces` (each its
// own write, the reader parked in between) and then, if `close`, closed.
template <typename Body>
void WithPeerSending(testing::RuntimeTest& test, Runtime& runtime,
                     std::vector<std::string> pieces, bool close, Body body) {
  auto listener = TcpListener::Listen("127.0.0.1", 0);
  ASSERT_TRUE(listener.ok());
  absl::Status status = runtime.Run([&] {
    auto client = Dial(absl::StrCat("127.0.0.1:", (*listener)->port()));
    ASSERT_TRUE(client.ok());
    auto served = (*listener)->Accept();
    ASSERT_TRUE(served.ok());
    JoinHandle writer = Spawn([&] {
      for (const std::string& piece : pieces) ASSERT_TRUE((*client)->Write(piece).ok());
      if (close) (*client)->CloseWrite();
    });
    BufferedReader reader(**served, /*read_size=*/8);  // small reads: lines span several
    body(reader);
    ASSERT_TRUE(writer.Join().ok());
  });
  ASSERT_TRUE(status.ok()) << status;
}

TEST_P(BufferedReaderTest, LinesAcrossReadsWithEitherEnding) {
  WithPeerSending(*this, runtime(), {"first li", "ne\r\nsecond line\n", "thi", "rd\r\n"}, true,
                  [](BufferedReader& reader) {
                    for (const char* expected : {"first line", "second line", "third"}) {
                      absl::StatusOr<std::string> line = reader.ReadLine(64);
                      ASSERT_TRUE(line.ok()) << line.status();
                      EXPECT_EQ(*line, expected);
                    }
                    EXPECT_EQ(reader.ReadLine(64).status().code(), absl::StatusCode::kOutOfRange);
                  });
}

TEST_P(BufferedReaderTest, ALineOverTheLimitIsRefusedAndStaysBuffered) {
  WithPeerSending(*this, runtime(), {std::string(40, 'x'), "\n"}, true,
                  [](BufferedReader& reader) {
                    EXPECT_EQ(reader.ReadLine(16).status().code(),
                              absl::StatusCode::kResourceExhausted);
                    EXPECT_GE(reader.buffered().size(), 16u);  // nothing was dropped
                    absl::StatusOr<std::string> whole = reader.ReadLine(64);
                    ASSERT_TRUE(whole.ok()) << whole.status();
                    EXPECT_EQ(*whole, std::string(40, 'x'));
                  });
}

TEST_P(BufferedReaderTest, ReadUntilAMultiByteDelimiterSplitAcrossWrites) {
  WithPeerSending(*this, runtime(), {"head\r\n", "\r", "\nbody"}, true, [](BufferedReader& reader) {
    absl::StatusOr<std::string> head = reader.ReadUntil("\r\n\r\n", 64);
    ASSERT_TRUE(head.ok()) << head.status();
    EXPECT_EQ(*head, "head\r\n\r\n");
    EXPECT_EQ(reader.ReadUntil("\r\n\r\n", 64).status().code(), absl::StatusCode::kOutOfRange);
    EXPECT_EQ(reader.buffered(), "body");  // what came before the end stays readable
  });
}

TEST_P(BufferedReaderTest, ReadFullAndPlainReadsShareTheBuffer) {
  WithPeerSending(*this, runtime(), {"12", "345678", "9abcdef"}, true, [](BufferedReader& reader) {
    absl::StatusOr<std::string> five = reader.ReadFull(5);
    ASSERT_TRUE(five.ok()) << five.status();
    EXPECT_EQ(*five, "12345");
    std::string rest;
    char buffer[3];
    while (true) {
      absl::StatusOr<std::size_t> n = reader.Read(buffer, sizeof(buffer));
      if (!n.ok()) {
        EXPECT_EQ(n.status().code(), absl::StatusCode::kOutOfRange);
        break;
      }
      rest.append(buffer, *n);
    }
    EXPECT_EQ(rest, "6789abcdef");
    EXPECT_EQ(reader.ReadFull(1).status().code(), absl::StatusCode::kOutOfRange);
  });
}

TEST_P(BufferedReaderTest, ReadFullStopsAtTheEndOfStreamKeepingWhatCame) {
  WithPeerSending(*this, runtime(), {"short"}, true, [](BufferedReader& reader) {
    EXPECT_EQ(reader.ReadFull(10).status().code(), absl::StatusCode::kOutOfRange);
    EXPECT_EQ(reader.buffered(), "short");
  });
}

TROUPE_INSTANTIATE_OVER_PROCS(BufferedReaderTest);

}  // namespace
}  // namespace troupe
