// ChatServer: a line-based TCP pub/sub chat, the actor toolkit's worked example.
//
//   NICK ada          name yourself (default: guest-<n>)
//   JOIN lobby        enter a room (leaving the one you were in)
//   SAY hello         to everyone in your room, once a moderator allowed it
//   QUIT
//
// The server answers "[room] nick: text" lines, "* ..." notices (joins, the member
// count each room announces every --announce_every, shutdown) and "! ..." errors.
//
// Made of: a fiber per connection reading commands; a Session actor per connection
// writing to it (bounded mailbox: a client that does not read loses lines, counted as
// dead letters, and never stalls a room); Room actors, made on first use by the Lobby
// actor, which supervises them; a Router of Moderator actors that rooms ask without
// waiting (AskThen); ActorGroups for room membership and broadcast; a timer per room.
// Shutdown is a CoordinatedShutdown: stop accepting, tell every client and stop
// reading, stop the actors (each session writes what it has queued, then closes),
// wait for the connection fibers.
#ifndef TROUPE_SERVICES_CHAT_CHAT_SERVER_H_
#define TROUPE_SERVICES_CHAT_CHAT_SERVER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "troupe/actors/actor_system.h"
#include "troupe/net/tcp.h"
#include "troupe/scheduler/context.h"
#include "troupe/scheduler/runtime.h"
#include "troupe/scheduler/wait_group.h"
#include "troupe/services/chat/chat_actors.h"

namespace troupe::services::chat {

struct ChatOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 7070;  // 0: any free port (see ChatServer::port())
  int moderators = 4;
  std::vector<std::string> banned_words = {"spam"};
  absl::Duration announce_every = absl::Seconds(30);
  absl::Duration moderation_timeout = absl::Seconds(1);
  absl::Duration idle_timeout = absl::Minutes(10);  // a client silent this long is closed
  std::size_t max_line_bytes = 4096;                // longer lines close the connection
  std::size_t session_mailbox = 256;                // lines queued for a slow client
};

class ChatServer {
 public:
  // InvalidArgument for options out of range (saying what is allowed), or the
  // listener's error.
  static absl::StatusOr<std::unique_ptr<ChatServer>> Start(Runtime& runtime,
                                                           ChatOptions options);
  ~ChatServer();  // Shutdown with no grace if it was not called
  ChatServer(const ChatServer&) = delete;
  ChatServer& operator=(const ChatServer&) = delete;

  uint16_t port() const { return listener_->port(); }

  // The coordinated shutdown (see the top); OK, or what missed `grace`. Once.
  absl::Status Shutdown(absl::Duration grace);

 private:
  ChatServer(Runtime& runtime, ChatOptions options, std::unique_ptr<TcpListener> listener);
  void AcceptLoop();
  void Serve(std::shared_ptr<TcpConnection> connection, uint64_t serial);

  Runtime& runtime_;
  const ChatOptions options_;
  std::unique_ptr<TcpListener> listener_;
  ActorSystem system_;
  std::shared_ptr<RoomServices> rooms_;
  ActorRef<LobbyMessage> lobby_;
  ActorGroups<SessionMessage> everyone_;  // every session, for the shutdown notice
  ContextWithCancel reading_;  // ends the connections' reads at shutdown
  WaitGroup connections_;      // the accept loop and the connection fibers
  bool shut_down_ = false;     // Shutdown and the destructor, from one thread
};

}  // namespace troupe::services::chat

#endif  // TROUPE_SERVICES_CHAT_CHAT_SERVER_H_
