// What soft descriptor limit serve asks for, and when it warns.
#include <doctest/doctest.h>

#include "controller/server/descriptor_budget.h"

using namespace portcullis::server;

TEST_CASE("the soft limit goes up to the hard one, and falls short when that is below max_connections") {
  // A login shell's 1024 under systemd's default hard limit: raised, enough.
  auto plan = planDescriptors({1024, 524288}, 20000);
  CHECK(plan.raiseTo == 524288);
  CHECK(plan.needed == 20000 + kDescriptorsBesideAgents);
  CHECK(plan.enough);

  // The packaged unit's LimitNOFILE=65536 sets both: nothing to raise.
  plan = planDescriptors({65536, 65536}, 20000);
  CHECK(plan.raiseTo == 65536);
  CHECK(plan.enough);

  // A hard limit of 4096 cannot hold 20,000 connections: warned about.
  plan = planDescriptors({1024, 4096}, 20000);
  CHECK(plan.raiseTo == 4096);
  CHECK_FALSE(plan.enough);

  // Exactly enough is enough; one short is not.
  CHECK(planDescriptors({100, 100 + kDescriptorsBesideAgents}, 100).enough);
  CHECK_FALSE(planDescriptors({100, 99 + kDescriptorsBesideAgents}, 100).enough);

  // Never lowered, and an unlimited hard limit asks for the kernel's usual ceiling.
  CHECK(planDescriptors({200000, 100000}, 10).raiseTo == 200000);
  CHECK(planDescriptors({1024, ~std::uint64_t{0}}, 20000).raiseTo == kDescriptorCeiling);
}
