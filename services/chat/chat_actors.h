// The actors of the chat service (chat_server.h): a Session per connection (it owns
// the socket's write side), a Room per room (supervised by the Lobby, which makes
// them on first use), and a pool of Moderators behind a router.
//
//   connection fiber --Join/Say--> Room --AskThen(Check)--> Router<Moderator>
//                                   |  <--Checked------------'
//                                   '--ActorGroups broadcast--> Sessions --> sockets
//
// A Room never waits: moderation answers come back as messages (AskThen), so a slow
// moderator delays only the message it checks. Its periodic work (the member count
// it announces) is an actor timer, cancelled with it.
#ifndef TROUPE_SERVICES_CHAT_CHAT_ACTORS_H_
#define TROUPE_SERVICES_CHAT_CHAT_ACTORS_H_

#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "troupe/actors/actor.h"
#include "troupe/actors/actor_groups.h"
#include "troupe/actors/reply.h"
#include "troupe/actors/router.h"
#include "troupe/net/tcp.h"

namespace troupe::services::chat {

// ---- Session: writes lines to one client. ----
struct Deliver {
  std::string line;  // without the newline
};
using SessionMessage = std::variant<Deliver>;

class Session : public Actor<SessionMessage> {
 public:
  explicit Session(std::shared_ptr<TcpConnection> connection)
      : connection_(std::move(connection)) {}
  void Receive(SessionMessage& message) override;
  // The client sees the end of the stream once what was queued is written.
  void OnStop(const absl::Status& reason) override;

 private:
  std::shared_ptr<TcpConnection> connection_;
  bool broken_ = false;  // a write failed: the rest is dropped
};

// ---- Moderators: decide whether a line may be said. ----
struct Verdict {
  bool allowed;
  std::string reason;  // why not
};
struct Check {
  std::string text;
  Reply<Verdict> reply;
};
using ModeratorMessage = std::variant<Check>;

class Moderator : public Actor<ModeratorMessage> {
 public:
  explicit Moderator(std::vector<std::string> banned_words)
      : banned_words_(std::move(banned_words)) {}
  void Receive(ModeratorMessage& message) override;

 private:
  std::vector<std::string> banned_words_;
};

// ---- Room ----
struct JoinRoom {
  std::string nick;
  ActorRef<SessionMessage> session;
};
struct LeaveRoom {
  ActorRef<SessionMessage> session;
};
struct Say {
  std::string nick;
  std::string text;
  ActorRef<SessionMessage> session;
};
struct Checked {  // a moderation answer, back from AskThen
  std::string nick;
  std::string text;
  ActorRef<SessionMessage> session;
  absl::StatusOr<Verdict> verdict;
};
struct AnnounceMembers {};  // the room's timer
using RoomMessage = std::variant<JoinRoom, LeaveRoom, Say, Checked, AnnounceMembers>;

// What every room shares: the groups its members are in and the moderators.
struct RoomServices {
  ActorGroups<SessionMessage> members;  // a group per room name
  Router<ModeratorMessage> moderators;
  absl::Duration announce_every;
  absl::Duration moderation_timeout;
};

class Room : public Actor<RoomMessage> {
 public:
  Room(std::string name, std::shared_ptr<RoomServices> services)
      : name_(std::move(name)), services_(std::move(services)) {}
  void OnStart() override;
  void Receive(RoomMessage& message) override;

 private:
  std::string name_;
  std::shared_ptr<RoomServices> services_;
};

// ---- Lobby: the rooms, made on first use and supervised. ----
struct GetRoom {
  std::string name;
  Reply<ActorRef<RoomMessage>> reply;
};
using LobbyMessage = std::variant<GetRoom>;

class Lobby : public Actor<LobbyMessage> {
 public:
  explicit Lobby(std::shared_ptr<RoomServices> services) : services_(std::move(services)) {}
  void Receive(LobbyMessage& message) override;

 private:
  std::shared_ptr<RoomServices> services_;
  absl::flat_hash_map<std::string, ActorRef<RoomMessage>> rooms_;
};

}  // namespace troupe::services::chat

#endif  // TROUPE_SERVICES_CHAT_CHAT_ACTORS_H_
