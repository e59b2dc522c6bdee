#pragma once
// Command-line words after the subcommand: declared options only, so a typo
// is an error and not silently ignored. Pure.
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/util/result.h"

namespace portcullis::cli {

struct OptionSpec {
  std::set<std::string> withValue;     // --config FILE
  std::set<std::string> flags;         // --json
  std::set<std::string> repeatable;    // --san NAME --san NAME (subset of withValue)
  std::size_t minPositional = 0;
  std::size_t maxPositional = 0;
};

class Arguments {
 public:
  static Result<Arguments> parse(const std::vector<std::string>& words, const OptionSpec& spec);

  bool flag(const std::string& name) const { return flags_.count(name) > 0; }
  std::optional<std::string> value(const std::string& name) const;
  std::vector<std::string> values(const std::string& name) const;
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  std::set<std::string> flags_;
  std::map<std::string, std::vector<std::string>> values_;
  std::vector<std::string> positional_;
};

}  // namespace portcullis::cli
