// The chat service end to end over TCP: rooms deliver to their members only,
// moderation rejects a banned line without holding up the room, rooms announce their
// size on their timer, and the coordinated shutdown tells every client, then closes.
#include "troupe/services/chat/chat_server.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "troupe/net/buffered_reader.h"
#include "troupe/net/tcp.h"
#include "troupe/scheduler/context.h"
#include "troupe/scheduler/fiber_info.h"
#include "troupe/scheduler/runtime.h"
#include "troupe/tests/scheduler/log_capture.h"
#include "troupe/tests/scheduler/test_support.h"

namespace troupe::services::chat {
namespace {

constexpr absl::Duration kBound = absl::Seconds(30);  // a lost line fails, never hangs

// A client connection, from a fiber.
class Client {
 public:
  explicit Client(uint16_t port) {
    auto connection = Dial("127.0.0.1", port);
    EXPECT_TRUE(connection.ok()) << connection.status();
    connection_ = *std::move(connection);
    reader_ = std::make_unique<BufferedReader>(*connection_);
    EXPECT_TRUE(absl::StartsWith(Next(), "* welcome"));
  }
  void Send(const std::string& line) { ASSERT_TRUE(connection_->Write(line + "\n").ok()); }
  // The next line, or the error (as text) after kBound or at the end of the stream.
  std::string Next() {
    auto [context, cancel] = WithTimeout(Context(), kBound);
    absl::StatusOr<std::string> line = reader_->ReadLine(1 << 16, context);
    cancel.Cancel();
    return line.ok() ? *line : "error: " + line.status().ToString();
  }
  // Skips lines until one starts with `prefix`; returns it (or the error).
  std::string NextStartingWith(const std::string& prefix) {
    while (true) {
      std::string line = Next();
      if (absl::StartsWith(line, prefix) || absl::StartsWith(line, "error: ")) return line;
    }
  }

 private:
  std::unique_ptr<TcpConnection> connection_;
  std::unique_ptr<BufferedReader> reader_;
};

class ChatServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto runtime = Runtime::Create({.procs = 2});
    ASSERT_TRUE(runtime.ok()) << runtime.status();
    runtime_ = *std::move(runtime);
  }
  // Runs `body` in a fiber with a server on a free port.
  template <typename Body>
  void WithServer(ChatOptions options, Body body) {
    options.port = 0;
    ASSERT_TRUE(runtime_
                    ->Run([&] {
                      auto server = ChatServer::Start(*runtime_, options);
                      ASSERT_TRUE(server.ok()) << server.status();
                      body(**server);
                    })
                    .ok());
  }

  std::unique_ptr<Runtime> runtime_;
};

TEST_F(ChatServerTest, RoomsDeliverToTheirMembersOnly) {
  WithServer({}, [](ChatServer& server) {
    Client ada(server.port()), bob(server.port()), cy(server.port());
    ada.Send("NICK ada");
    ada.Send("JOIN go");
    EXPECT_EQ(ada.Next(), "* ada joined go");
    bob.Send("NICK bob");
    bob.Send("JOIN go");
    EXPECT_EQ(bob.Next(), "* bob joined go");
    EXPECT_EQ(ada.Next(), "* bob joined go");
    cy.Send("NICK cy");
    cy.Send("JOIN rust");
    EXPECT_EQ(cy.Next(), "* cy joined rust");
    ada.Send("SAY hello gophers");
    EXPECT_EQ(bob.Next(), "[go] ada: hello gophers");
    EXPECT_EQ(ada.Next(), "[go] ada: hello gophers");
    cy.Send("SAY hello crabs");
    EXPECT_EQ(cy.Next(), "[rust] cy: hello crabs");  // and nothing from go came first
  });
}

TEST_F(ChatServerTest, DumpAndLogNameTheServicesFibersAndActors) {
  testing::LogCapture log;
  WithServer({}, [&](ChatServer& server) {
    Client ada(server.port());
    ada.Send("JOIN go");
    EXPECT_EQ(ada.Next(), "* guest-1 joined go");
    // Wait for the state: every one of them parked, waiting for the next event.
    const std::vector<std::string> expected = {
        "\"chat accept\" [waiting: socket read",
        "\"chat connection\" [waiting: socket read",
        "actor room go (troupe::services::chat::Room) [waiting: ",
        "actor lobby (troupe::services::chat::Lobby) [waiting: ",
    };
    std::string dump;
    auto all_shown = [&] {
      dump = FormatFiberDump(runtime_->DumpFibers());
      for (const std::string& line : expected) {
        if (dump.find(line) == std::string::npos) return false;
      }
      return true;
    };
    EXPECT_TRUE(testing::WaitUntil(all_shown, "the dump shows the named fibers parked"))
        << dump;
  });
  log.Stop();
  bool room_opened = false;
  for (const std::string& line : log.lines()) {
    if (!absl::StartsWith(line, "chat: room opened room=go [fiber ")) continue;
    room_opened = true;
    EXPECT_TRUE(absl::EndsWith(line, " actor lobby (troupe::services::chat::Lobby)]")) << line;
  }
  EXPECT_TRUE(room_opened);
}

TEST_F(ChatServerTest, ModerationRejectsABannedLineForItsSenderOnly) {
  WithServer({.banned_words = {"spam"}}, [](ChatServer& server) {
    Client ada(server.port()), bob(server.port());
    ada.Send("NICK ada");
    ada.Send("JOIN go");
    EXPECT_EQ(ada.Next(), "* ada joined go");
    bob.Send("JOIN go");
    EXPECT_EQ(ada.NextStartingWith("* guest-"), "* guest-2 joined go");
    EXPECT_EQ(bob.Next(), "* guest-2 joined go");
    ada.Send("SAY buy SPAM now");
    EXPECT_EQ(ada.Next(), "! rejected: \"spam\" is not allowed here");
    ada.Send("SAY sorry");
    EXPECT_EQ(bob.Next(), "[go] ada: sorry") << "the rejected line never reached bob";
  });
}

TEST_F(ChatServerTest, RoomsAnnounceTheirSizeOnTheirTimer) {
  WithServer({.announce_every = absl::Milliseconds(20)}, [](ChatServer& server) {
    Client ada(server.port()), bob(server.port());
    ada.Send("JOIN go");
    bob.Send("JOIN go");
    EXPECT_EQ(ada.NextStartingWith("* room go: 2"), "* room go: 2 members");
    EXPECT_EQ(bob.NextStartingWith("* room go: 2"), "* room go: 2 members");
  });
}

TEST_F(ChatServerTest, ShutdownTellsEveryClientThenClosesTheirStreams) {
  WithServer({}, [](ChatServer& server) {
    Client ada(server.port()), bob(server.port());
    ada.Send("JOIN go");
    EXPECT_EQ(ada.Next(), "* guest-1 joined go");
    EXPECT_TRUE(server.Shutdown(kBound).ok());
    for (Client* client : {&ada, &bob}) {
      EXPECT_EQ(client->Next(), "* server shutting down");
      EXPECT_TRUE(absl::StartsWith(client->Next(), "error: OUT_OF_RANGE"))
          << "the stream ends after the notice";
    }
    EXPECT_FALSE(Dial("127.0.0.1", server.port()).ok()) << "no longer accepting";
  });
}

TEST_F(ChatServerTest, InvalidOptionsSayWhatIsAllowed) {
  absl::StatusOr<std::unique_ptr<ChatServer>> server =
      ChatServer::Start(*runtime_, {.moderators = 0});
  EXPECT_EQ(server.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(server.status().message().find("moderators must be in [1, 1024]; got 0"),
            std::string::npos)
      << server.status();
}

}  // namespace
}  // namespace troupe::services::chat
