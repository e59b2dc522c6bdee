#include "common/cli/arguments.h"

namespace portcullis::cli {

Result<Arguments> Arguments::parse(const std::vector<std::string>& words, const OptionSpec& spec) {
  Arguments a;
  for (std::size_t i = 0; i < words.size(); ++i) {
    std::string w = words[i];
    if (w.size() > 2 && w.rfind("--", 0) == 0) {
      std::string name = w.substr(2);
      std::optional<std::string> inlineValue;
      if (auto eq = name.find('='); eq != std::string::npos) {
        inlineValue = name.substr(eq + 1);
        name = name.substr(0, eq);
      }
      if (spec.flags.count(name)) {
        if (inlineValue) return fail("--" + name + " takes no value");
        a.flags_.insert(name);
      } else if (spec.withValue.count(name)) {
        std::string v;
        if (inlineValue) {
          v = *inlineValue;
        } else {
          if (i + 1 >= words.size()) return fail("--" + name + " needs a value");
          v = words[++i];
        }
        auto& slot = a.values_[name];
        if (!slot.empty() && !spec.repeatable.count(name))
          return fail("--" + name + " given more than once");
        slot.push_back(v);
      } else {
        return fail("unknown option --" + name);
      }
    } else if (w == "--") {
      for (++i; i < words.size(); ++i) a.positional_.push_back(words[i]);
    } else {
      a.positional_.push_back(w);
    }
  }
  if (a.positional_.size() < spec.minPositional) return fail("missing argument");
  if (a.positional_.size() > spec.maxPositional)
    return fail("unexpected argument '" + a.positional_[spec.maxPositional] + "'");
  return a;
}

std::optional<std::string> Arguments::value(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end() || it->second.empty()) return std::nullopt;
  return it->second.back();
}

std::vector<std::string> Arguments::values(const std::string& name) const {
  auto it = values_.find(name);
  return it == values_.end() ? std::vector<std::string>{} : it->second;
}

}  // namespace portcullis::cli
