#include <doctest/doctest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "controller/server/worker_pool.h"

using portcullis::server::WorkerPool;

TEST_CASE("work with the same key runs in the order it was posted") {
  WorkerPool pool(4);
  std::mutex m;
  std::map<std::uint64_t, std::vector<int>> seen;
  for (int i = 0; i < 1000; ++i)
    for (std::uint64_t key = 0; key < 8; ++key)
      pool.post(key, [&, key, i] {
        std::lock_guard lock(m);
        seen[key].push_back(i);
      });
  pool.stop();
  REQUIRE(seen.size() == 8);
  for (auto& [key, order] : seen) {
    REQUIRE(order.size() == 1000);
    for (int i = 0; i < 1000; ++i) CHECK(order[static_cast<std::size_t>(i)] == i);
  }
}

TEST_CASE("stop runs everything already posted, and a throwing task does not kill its lane") {
  WorkerPool pool(2);
  std::atomic<int> ran{0};
  pool.post(1, [] { throw std::runtime_error("boom"); });
  for (int i = 0; i < 100; ++i) pool.post(1, [&] { ++ran; });
  pool.stop();
  CHECK(ran == 100);
}
