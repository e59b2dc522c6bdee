#include "controller/web/session_book.h"

namespace portcullis::web {

const Session& SessionBook::open(Session session) {
  if (sessions_.size() >= maxSessions_ && !sessions_.empty()) {
    auto idlest = sessions_.begin();
    for (auto it = sessions_.begin(); it != sessions_.end(); ++it)
      if (it->second.lastSeenMs < idlest->second.lastSeenMs) idlest = it;
    sessions_.erase(idlest);
  }
  const std::string id = session.id;
  return sessions_.insert_or_assign(id, std::move(session)).first->second;
}

std::optional<Session> SessionBook::find(const std::string& id, std::int64_t nowMs) {
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return std::nullopt;
  Session& s = it->second;
  if (nowMs - s.lastSeenMs > idleMs_ || nowMs - s.startedMs > absoluteMs_) {
    sessions_.erase(it);
    return std::nullopt;
  }
  s.lastSeenMs = nowMs;
  return s;
}

void SessionBook::close(const std::string& id) { sessions_.erase(id); }

}  // namespace portcullis::web
