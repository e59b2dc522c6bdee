#pragma once
// The store's schema, one entry per version. A migration is never edited once
// released: a change is a new version appended here.
#include <string>
#include <vector>

namespace portcullis::store {

struct Migration {
  int version;
  std::vector<std::string> statements;
};

const std::vector<Migration>& schemaMigrations();
int newestSchemaVersion();

}  // namespace portcullis::store
