#include <doctest/doctest.h>

#include <string>

#include "controller/web/operator_role.h"

using namespace portcullis::web;

TEST_CASE("a viewer sees, an operator also acts on machines and commands, an admin also manages") {
  for (auto p : {Permission::View, Permission::ActOnMachines, Permission::ActOnCommands, Permission::ManageOperators,
                 Permission::ManagePolicy, Permission::ManageFeeds, Permission::ManageTokens}) {
    CHECK(roleAllows(Role::Admin, p));
    CHECK(roleAllows(Role::Viewer, p) == (p == Permission::View));
    CHECK(roleAllows(Role::Operator, p) ==
          (p == Permission::View || p == Permission::ActOnMachines || p == Permission::ActOnCommands));
  }
}

TEST_CASE("roles by name, and nothing else") {
  CHECK(parseRole("viewer") == Role::Viewer);
  CHECK(parseRole("operator") == Role::Operator);
  CHECK(parseRole("admin") == Role::Admin);
  CHECK_FALSE(parseRole("Admin"));
  CHECK_FALSE(parseRole("root"));
  CHECK_FALSE(parseRole(""));
}

TEST_CASE("an operator's name is safe in a log line, a URL and a shell") {
  CHECK(validOperatorName("alice"));
  CHECK(validOperatorName("ops-team_2.night"));
  CHECK_FALSE(validOperatorName(""));
  CHECK_FALSE(validOperatorName(std::string(65, 'a')));
  CHECK_FALSE(validOperatorName("alice bob"));
  CHECK_FALSE(validOperatorName("alice\nLOGIN operator=root"));
  CHECK_FALSE(validOperatorName("a/b"));
  CHECK_FALSE(validOperatorName("a;rm"));
}
