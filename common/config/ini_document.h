#pragma once
// INI files as operators write them: [section], key = value, # or ; comments.
// Parsing keeps the line of every key so an error can say exactly where.
// Pure: text in, document or a named reason out.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/util/result.h"

namespace portcullis::config {

struct IniValue {
  std::string value;
  int line = 0;
};

class IniDocument {
 public:
  // "section.key" -> value. Keys outside any section have no prefix.
  using Map = std::map<std::string, IniValue>;

  // sourceName names the text in every error (the file's path). Reading the
  // file is the caller's (common/io): this stays pure.
  static Result<IniDocument> parse(std::string_view text, const std::string& sourceName);

  const std::string& source() const { return source_; }
  const Map& values() const { return values_; }
  std::optional<IniValue> find(const std::string& key) const;

  // A key's place in the file, for messages: "agent.conf:12".
  std::string where(const std::string& key) const;

 private:
  std::string source_;
  Map values_;
};

// Reads typed values out of a document, collecting every error instead of
// stopping at the first, so an operator fixes a file in one pass. Keys the
// reader was never asked for are reported as unknown (a typo is an error).
class ConfigReader {
 public:
  explicit ConfigReader(const IniDocument& doc) : doc_(doc) {}

  std::string text(const std::string& key, const std::string& fallback);
  std::string requiredText(const std::string& key);
  std::int64_t integer(const std::string& key, std::int64_t fallback, std::int64_t min,
                       std::int64_t max);
  bool boolean(const std::string& key, bool fallback);
  // "30s", "5m", "1h", "2d" or plain seconds.
  std::int64_t seconds(const std::string& key, std::int64_t fallback);
  // "HOST:PORT", "[v6]:PORT"; the port must be 0..65535.
  std::pair<std::string, std::uint16_t> endpoint(const std::string& key,
                                                 const std::string& fallback);
  // "4MiB", "512KiB", "1024" bytes.
  std::int64_t bytes(const std::string& key, std::int64_t fallback);

  // Every key of a section whose keys are names the operator chooses
  // (section "check_commands": "nginx-test" -> "/usr/sbin/nginx -t"), by
  // name without the section; all of them count as asked.
  std::map<std::string, std::string> section(const std::string& name);

  void addError(const std::string& key, const std::string& message);
  // Every error plus one per unknown key; empty when the file is good.
  std::vector<std::string> finish() const;

 private:
  std::optional<IniValue> take(const std::string& key);

  const IniDocument& doc_;
  std::map<std::string, bool> asked_;
  std::vector<std::string> errors_;
};

// A path from a configuration file: relative ones are taken from the file's
// own directory; empty stays empty.
std::string resolvePath(const std::string& configDir, const std::string& value);

// "a, b ,c" -> {"a", "b", "c"}; empty items are dropped.
std::vector<std::string> splitList(std::string_view text);

// Errors as one message, one per line.
std::string joinLines(const std::vector<std::string>& lines);

// Helpers shared by the typed readers and the command line.
Result<std::int64_t> parseDuration(std::string_view text);
Result<std::int64_t> parseByteSize(std::string_view text);
Result<std::pair<std::string, std::uint16_t>> parseEndpoint(std::string_view text);

}  // namespace portcullis::config
