#include "collector/alerts/escalation.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "common/config_node.h"

namespace vigil::alerts {
namespace {

const absl::flat_hash_set<std::string> kReceivers = {"dba-wecom", "dba-dingtalk", "dba-sms",
                                                     "it-manager-mail"};
const absl::flat_hash_set<std::string> kRotations = {"dba"};

absl::StatusOr<std::vector<EscalationPolicy>> Parse(const std::string& yaml) {
  absl::StatusOr<ConfigNode> root = ConfigNode::LoadString(yaml, "alerting.yaml");
  REQUIRE(root.ok());
  return ParseEscalationPolicies(root->Child("escalation_policies"), kReceivers, kRotations);
}

constexpr char kDefault[] = R"(
escalation_policies:
  - name: default
    escalate: [critical]
    tiers:
      - receivers: [dba-wecom, dba-dingtalk]
        oncall: dba
      - after: 10m
        receivers: [dba-sms]
        oncall: dba
        position: secondary
      - after: 30m
        receivers: [it-manager-mail]
  - name: quiet
    tiers:
      - receivers: [dba-wecom]
)";

TEST_CASE("escalation policies parse with their tiers", "[escalation]") {
  absl::StatusOr<std::vector<EscalationPolicy>> policies = Parse(kDefault);
  INFO(policies.status().ToString());
  REQUIRE(policies.ok());
  REQUIRE(policies->size() == 2);
  const EscalationPolicy& p = (*policies)[0];
  CHECK(p.name == "default");
  CHECK(p.escalate == std::vector<Severity>{Severity::kCritical});
  REQUIRE(p.tiers.size() == 3);
  CHECK(p.tiers[0].after == absl::ZeroDuration());
  CHECK(p.tiers[0].receivers == std::vector<std::string>{"dba-wecom", "dba-dingtalk"});
  CHECK(p.tiers[0].oncall == "dba");
  CHECK(p.tiers[0].position == 0);
  CHECK(p.tiers[1].after == absl::Minutes(10));
  CHECK(p.tiers[1].position == 1);
  CHECK(p.tiers[2].oncall.empty());
  CHECK(FindEscalationPolicy(*policies, "quiet") == &(*policies)[1]);
  CHECK(FindEscalationPolicy(*policies, "nope") == nullptr);
  // escalate defaults to [critical].
  CHECK((*policies)[1].escalate == std::vector<Severity>{Severity::kCritical});
}

TEST_CASE("the due tier follows the time unacknowledged, for escalating severities only",
          "[escalation]") {
  absl::StatusOr<std::vector<EscalationPolicy>> policies = Parse(kDefault);
  REQUIRE(policies.ok());
  const EscalationPolicy& p = (*policies)[0];
  CHECK(DueTier(p, Severity::kCritical, absl::ZeroDuration()) == 0);
  CHECK(DueTier(p, Severity::kCritical, absl::Minutes(10) - absl::Seconds(1)) == 0);
  CHECK(DueTier(p, Severity::kCritical, absl::Minutes(10)) == 1);
  CHECK(DueTier(p, Severity::kCritical, absl::Minutes(29)) == 1);
  CHECK(DueTier(p, Severity::kCritical, absl::Minutes(30)) == 2);
  CHECK(DueTier(p, Severity::kCritical, absl::Hours(50)) == 2);
  CHECK(DueTier(p, Severity::kWarning, absl::Hours(1)) == 0);
  CHECK(DueTier(p, Severity::kInfo, absl::Hours(1)) == 0);
  CHECK(NextTierAfter(p, Severity::kCritical, 0) == absl::Minutes(10));
  CHECK(NextTierAfter(p, Severity::kCritical, 1) == absl::Minutes(30));
  CHECK(NextTierAfter(p, Severity::kCritical, 2) == absl::InfiniteDuration());
  CHECK(NextTierAfter(p, Severity::kWarning, 0) == absl::InfiniteDuration());
}

TEST_CASE("a policy may escalate warnings too", "[escalation]") {
  absl::StatusOr<std::vector<EscalationPolicy>> policies = Parse(R"(
escalation_policies:
  - name: all
    escalate: [warning, critical]
    tiers:
      - {receivers: [dba-sms], oncall: dba}
      - {after: 5m, receivers: [dba-sms], oncall: dba, position: secondary}
)");
  INFO(policies.status().message());
  REQUIRE(policies.ok());
  CHECK(DueTier(policies->front(), Severity::kWarning, absl::Minutes(5)) == 1);
  CHECK(DueTier(policies->front(), Severity::kInfo, absl::Minutes(5)) == 0);
}

TEST_CASE("escalation config errors name the file, line and key", "[escalation]") {
  struct Case {
    std::string yaml;
    std::string want;
  };
  const std::vector<Case> cases = {
      {"escalation_policies:\n  - name: p\n    tiers:\n      - {after: 5m, receivers: [dba-sms]}\n",
       "alerting.yaml:4: escalation_policies[0].tiers[0].after: the first tier is notified when"},
      {"escalation_policies:\n  - name: p\n    tiers:\n      - {receivers: [dba-sms]}\n      - "
       "{receivers: [dba-sms]}\n",
       "tiers[1].after: is required for every tier after the first"},
      {"escalation_policies:\n  - name: p\n    tiers:\n      - {receivers: [dba-sms]}\n      - "
       "{after: 10m, receivers: [dba-sms]}\n      - {after: 10m, receivers: [dba-sms]}\n",
       "alerting.yaml:6: escalation_policies[0].tiers[2].after: must be later than the previous "
       "tier's (10m)"},
      {"escalation_policies:\n  - name: p\n    tiers:\n      - {receivers: [dba-pager]}\n",
       "unknown receiver \"dba-pager\" (known: dba-dingtalk, dba-sms, dba-wecom, it-manager-mail)"},
      {"escalation_policies:\n  - name: p\n    tiers:\n      - {oncall: nurses}\n",
       "tiers[0].oncall: unknown on-call rotation \"nurses\""},
      {"escalation_policies:\n  - name: p\n    tiers:\n      - {oncall: dba, position: tertiary}\n",
       "position: must be primary or secondary"},
      {"escalation_policies:\n  - name: p\n    tiers:\n      - {receivers: [dba-sms], position: "
       "secondary}\n",
       "position: needs oncall"},
      {"escalation_policies:\n  - name: p\n    tiers:\n      - {}\n",
       "a tier needs receivers (the rotation only picks the person)"},
      {"escalation_policies:\n  - name: p\n    escalate: [fatal]\n    tiers:\n      - {oncall: "
       "dba}\n",
       "alerting.yaml:3: escalation_policies[0].escalate: \"fatal\" is not a severity"},
      {"escalation_policies:\n  - name: p\n", "tiers: is required"},
      {"escalation_policies:\n  - {name: p, tiers: [{receivers: [dba-sms]}]}\n  - {name: p, tiers: "
       "[{receivers: [dba-sms]}]}\n",
       "escalation policy \"p\" is defined twice"},
  };
  for (const Case& c : cases) {
    INFO(c.yaml);
    absl::StatusOr<std::vector<EscalationPolicy>> p = Parse(c.yaml);
    REQUIRE_FALSE(p.ok());
    CHECK_THAT(std::string(p.status().message()), Catch::Contains(c.want));
  }
}

}  // namespace
}  // namespace vigil::alerts
