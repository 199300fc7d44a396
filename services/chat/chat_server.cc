#include "troupe/services/chat/chat_server.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "troupe/actors/coordinated_shutdown.h"
#include "troupe/actors/reply.h"
#include "troupe/net/buffered_reader.h"
#include "troupe/scheduler/log.h"

namespace troupe::services::chat {

absl::StatusOr<std::unique_ptr<ChatServer>> ChatServer::Start(Runtime& runtime,
                                                              ChatOptions options) {
  if (options.moderators < 1 || options.moderators > 1024) {
    return absl::InvalidArgumentError(
        absl::StrCat("moderators must be in [1, 1024]; got ", options.moderators));
  }
  if (options.announce_every <= absl::ZeroDuration() ||
      options.moderation_timeout <= absl::ZeroDuration() ||
      options.idle_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "announce_every, moderation_timeout and idle_timeout must be positive");
  }
  if (options.max_line_bytes < 16 || options.session_mailbox < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "max_line_bytes must be >= 16 and session_mailbox >= 1; got ", options.max_line_bytes,
        " and ", options.session_mailbox));
  }
  absl::StatusOr<std::unique_ptr<TcpListener>> listener =
      TcpListener::Listen(options.host, options.port);
  if (!listener.ok()) return listener.status();
  std::unique_ptr<ChatServer> server(
      new ChatServer(runtime, std::move(options), *std::move(listener)));
  absl::StatusOr<Router<ModeratorMessage>> moderators = Router<ModeratorMessage>::Start<Moderator>(
      server->system_,
      {.name = "moderator", .workers = server->options_.moderators,
       .routing = Routing::kSmallestMailbox},
      server->options_.banned_words);
  if (!moderators.ok()) return moderators.status();
  server->rooms_->moderators = *std::move(moderators);
  server->lobby_ = server->system_.Spawn<Lobby>({.name = "lobby"}, server->rooms_);
  server->connections_.Add(1);
  runtime.Spawn({.name = "chat accept"}, [raw = server.get()] { raw->AcceptLoop(); });
  return server;
}

ChatServer::ChatServer(Runtime& runtime, ChatOptions options,
                       std::unique_ptr<TcpListener> listener)
    : runtime_(runtime),
      options_(std::move(options)),
      listener_(std::move(listener)),
      system_(runtime),
      rooms_(std::make_shared<RoomServices>()),
      reading_(WithCancel(Context())) {
  rooms_->announce_every = options_.announce_every;
  rooms_->moderation_timeout = options_.moderation_timeout;
}

ChatServer::~ChatServer() {
  if (!shut_down_) Shutdown(absl::ZeroDuration()).IgnoreError();
  // Their reads were cancelled by the shutdown, so they end soon; they use `this`.
  connections_.Wait();
}

void ChatServer::AcceptLoop() {
  uint64_t serial = 0;
  while (true) {
    absl::StatusOr<std::unique_ptr<TcpConnection>> accepted = listener_->Accept(reading_.context);
    if (!accepted.ok()) {
      if (reading_.context.done() ||
          accepted.status().code() == absl::StatusCode::kFailedPrecondition) {
        break;  // closed at shutdown
      }
      // Out of descriptors and the like: the connection waits in the backlog.
      TROUPE_LOG(kWarning, "chat: accept failed", {{"error", accepted.status().ToString()}});
      continue;
    }
    connections_.Add(1);
    runtime_.Spawn({.name = "chat connection"},
                   [this, connection = std::shared_ptr<TcpConnection>(*std::move(accepted)),
                    id = ++serial]() mutable { Serve(std::move(connection), id); });
  }
  connections_.Done();
}

void ChatServer::Serve(std::shared_ptr<TcpConnection> connection, uint64_t serial) {
  connection->SetReadTimeout(options_.idle_timeout);
  ActorRef<SessionMessage> session = system_.Spawn<Session>(
      {.name = absl::StrCat("session ", serial), .mailbox_capacity = options_.session_mailbox,
       .overflow = MailboxOverflow::kDrop},
      connection);
  everyone_.Join("everyone", session).IgnoreError();
  std::string nick = absl::StrCat("guest-", serial);
  ActorRef<RoomMessage> room;
  session.Tell(Deliver{absl::StrCat("* welcome, ", nick)});
  BufferedReader reader(*connection);
  while (true) {
    absl::StatusOr<std::string> line = reader.ReadLine(options_.max_line_bytes, reading_.context);
    if (!line.ok()) {
      if (line.status().code() == absl::StatusCode::kResourceExhausted) {
        session.Tell(Deliver{absl::StrCat("! line longer than ", options_.max_line_bytes,
                                          " bytes; closing")});
      } else if (line.status().code() == absl::StatusCode::kDeadlineExceeded) {
        session.Tell(Deliver{"! idle too long; closing"});
      }
      break;  // the end of the stream, or shutdown
    }
    const absl::string_view text = *line;
    if (absl::StartsWith(text, "NICK ") && text.size() > 5) {
      nick = std::string(text.substr(5));
    } else if (absl::StartsWith(text, "JOIN ") && text.size() > 5) {
      absl::StatusOr<ActorRef<RoomMessage>> joined = Ask<ActorRef<RoomMessage>>(
          lobby_,
          [name = std::string(text.substr(5))](Reply<ActorRef<RoomMessage>> reply) {
            return GetRoom{name, std::move(reply)};
          },
          reading_.context);
      if (!joined.ok()) break;  // shutting down
      if (room) room.Tell(LeaveRoom{session});
      room = *joined;
      room.Tell(JoinRoom{nick, session});
    } else if (absl::StartsWith(text, "SAY ") && room) {
      room.Tell(Say{nick, std::string(text.substr(4)), session});
    } else if (text == "QUIT") {
      break;
    } else {
      session.Tell(Deliver{"! commands: NICK name, JOIN room, SAY text (after JOIN), QUIT"});
    }
  }
  if (room) room.Tell(LeaveRoom{session});
  session.Stop();  // writes what is queued, then closes the write side
  connections_.Done();
}

absl::Status ChatServer::Shutdown(absl::Duration grace) {
  if (shut_down_) return absl::OkStatus();
  shut_down_ = true;
  CoordinatedShutdown shutdown(system_);
  shutdown.AddTask(ShutdownPhase::kStopAccepting, "listener", [this](const Context&) {
    listener_->Close();
    return absl::OkStatus();
  });
  shutdown.AddTask(ShutdownPhase::kDrain, "connections", [this](const Context&) {
    everyone_.Broadcast("everyone", Deliver{"* server shutting down"});
    reading_.cancel.Cancel(absl::CancelledError("chat server shutting down"));
    return absl::OkStatus();
  });
  shutdown.AddTask(ShutdownPhase::kFlush, "connection fibers", [this](const Context& context) {
    return connections_.Wait(context);
  });
  return shutdown.Run(grace);
}

}  // namespace troupe::services::chat
