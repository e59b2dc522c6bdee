// Runs a fuzz target without libFuzzer: the seed inputs given on the command
// line, then a bounded number of random mutations of them. Deterministic (a
// fixed seed), so a failure here reproduces. With clang, PORTCULLIS_FUZZ
// builds the same targets against libFuzzer for open-ended runs.
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

int main(int argc, char** argv) {
  std::vector<std::string> seeds;
  long iterations = 20000;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a.rfind("--iterations=", 0) == 0) {
      iterations = std::stol(a.substr(13));
      continue;
    }
    std::ifstream in(a, std::ios::binary);
    seeds.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  if (seeds.empty()) seeds.emplace_back("");
  std::mt19937_64 rng(20261123);
  auto run = [](const std::string& s) {
    LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
  };
  for (const auto& s : seeds) run(s);
  for (long i = 0; i < iterations; ++i) {
    std::string s = seeds[rng() % seeds.size()];
    const int edits = 1 + static_cast<int>(rng() % 8);
    for (int e = 0; e < edits; ++e) {
      const auto pos = s.empty() ? 0 : rng() % (s.size() + 1);
      switch (rng() % 5) {
        case 0: if (!s.empty() && pos < s.size()) s[pos] = static_cast<char>(rng()); break;
        case 1: s.insert(pos, 1, static_cast<char>(rng())); break;
        case 2: if (!s.empty() && pos < s.size()) s.erase(pos, 1 + rng() % 16); break;
        case 3: s = s.substr(0, pos); break;
        case 4: if (!s.empty()) s.insert(pos, s.substr(rng() % s.size(), 1 + rng() % 32)); break;
      }
    }
    run(s);
  }
  std::printf("%ld mutated inputs and %zu seeds ran without a crash\n", iterations, seeds.size());
  return 0;
}
