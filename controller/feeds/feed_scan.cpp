#include "controller/feeds/feed_scan.h"

#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>

#include <sstream>

namespace portcullis::feeds {
namespace {

void take(const std::string& file, const std::string& json, FeedScan& scan) {
  auto adv = parseOsvAdvisory(json);
  if (!adv) {
    scan.unparsable.push_back(file + ": " + adv.error());
    return;
  }
  if (!adv->withdrawn.empty()) {
    ++scan.withdrawn;
    return;
  }
  if (adv->affected.empty()) {
    ++scan.nothingAffected;
    return;
  }
  bool debian = false;
  for (const auto& a : adv->affected) debian = debian || a.ecosystem.rfind("Debian:", 0) == 0;
  if (!debian) {
    ++scan.otherEcosystems;
    return;
  }
  scan.records.push_back(ScannedRecord{std::move(adv).value(), json});
}

}  // namespace

FeedScan scanFeed(const std::vector<FeedFile>& files) {
  FeedScan scan;
  for (const auto& f : files) {
    const auto first = f.content.find_first_not_of(" \t\r\n");
    if (first != std::string::npos && f.content[first] == '[') {
      // A list of records: each is re-serialised so it is stored on its own.
      try {
        auto list = Poco::JSON::Parser().parse(f.content).extract<Poco::JSON::Array::Ptr>();
        for (std::size_t i = 0; i < list->size(); ++i) {
          std::ostringstream one;
          Poco::JSON::Stringifier::stringify(list->get(static_cast<unsigned>(i)), one);
          take(f.name + "[" + std::to_string(i) + "]", one.str(), scan);
        }
      } catch (const Poco::Exception& e) {
        scan.unparsable.push_back(f.name + ": not JSON: " + e.message());
      }
      continue;
    }
    take(f.name, f.content, scan);
  }
  return scan;
}

}  // namespace portcullis::feeds
