#include "troupe/services/chat/chat_actors.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "troupe/actors/actor_system.h"
#include "troupe/scheduler/log.h"

namespace troupe::services::chat {

void Session::Receive(SessionMessage& message) {
  const Deliver& deliver = std::get<Deliver>(message);
  if (broken_) return;
  // Parks while the client's socket buffer is full; the session's bounded mailbox
  // (chat_server.cc) then drops what a client too slow to read cannot take.
  if (!connection_->Write(absl::StrCat(deliver.line, "\n")).ok()) broken_ = true;
}

void Session::OnStop(const absl::Status& reason) { connection_->CloseWrite(); }

void Moderator::Receive(ModeratorMessage& message) {
  Check& check = std::get<Check>(message);
  const std::string text = absl::AsciiStrToLower(check.text);
  for (const std::string& word : banned_words_) {
    if (absl::StrContains(text, absl::AsciiStrToLower(word))) {
      check.reply.Send(Verdict{false, absl::StrCat("\"", word, "\" is not allowed here")});
      return;
    }
  }
  check.reply.Send(Verdict{true, ""});
}

void Room::OnStart() {
  StartTimerAtFixedRate("announce", AnnounceMembers{}, services_->announce_every);
}

void Room::Receive(RoomMessage& message) {
  std::visit(
      Overloaded{
          [&](JoinRoom& join) {
            if (services_->members.Join(name_, join.session).ok()) {
              services_->members.Broadcast(name_, Deliver{absl::StrCat("* ", join.nick,
                                                                       " joined ", name_)});
            }
          },
          [&](LeaveRoom& leave) { services_->members.Leave(name_, leave.session); },
          [&](Say& say) {
            // Asked without waiting: the room goes on with other messages meanwhile.
            AskThen<Verdict>(
                services_->moderators,
                [text = say.text](Reply<Verdict> reply) { return Check{text, std::move(reply)}; },
                services_->moderation_timeout,
                [nick = say.nick, text = say.text, session = say.session](
                    absl::StatusOr<Verdict> verdict) {
                  return Checked{nick, text, session, std::move(verdict)};
                });
          },
          [&](Checked& checked) {
            if (!checked.verdict.ok()) {
              checked.session.Tell(Deliver{absl::StrCat("! not sent: moderation failed (",
                                                        checked.verdict.status().message(), ")")});
            } else if (!checked.verdict->allowed) {
              checked.session.Tell(Deliver{absl::StrCat("! rejected: ", checked.verdict->reason)});
            } else {
              services_->members.Broadcast(
                  name_, Deliver{absl::StrCat("[", name_, "] ", checked.nick, ": ", checked.text)});
            }
          },
          [&](AnnounceMembers&) {
            const std::size_t members = services_->members.Members(name_).size();
            if (members > 0) {
              services_->members.Broadcast(
                  name_, Deliver{absl::StrCat("* room ", name_, ": ", members, " members")});
            }
          }},
      message);
}

void Lobby::Receive(LobbyMessage& message) {
  GetRoom& get = std::get<GetRoom>(message);
  auto found = rooms_.find(get.name);
  if (found == rooms_.end() || !found->second.alive()) {
    ActorRef<RoomMessage> room =
        SpawnChild<Room>({.name = absl::StrCat("room ", get.name)}, get.name, services_);
    // The record names the lobby's actor and fiber by itself (scheduler/log.h).
    TROUPE_LOG(kInfo, "chat: room opened", {{"room", get.name}});
    found = rooms_.insert_or_assign(get.name, room).first;
  }
  get.reply.Send(found->second);
}

}  // namespace troupe::services::chat
