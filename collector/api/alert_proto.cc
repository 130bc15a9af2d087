#include "collector/api/alert_proto.h"

namespace vigil::api {
namespace {

void SetLabels(const LabelSet& labels, google::protobuf::RepeatedPtrField<v1::Label>* out) {
  for (const Label& l : labels.labels()) {
    v1::Label* label = out->Add();
    label->set_name(l.name);
    label->set_value(l.value);
  }
}

void SetPerson(const alerts::Person& person, v1::Person* out) {
  out->set_name(person.name);
  out->set_phone(person.phone);
  out->set_email(person.email);
}

}  // namespace

int64_t UnixMsOrZero(absl::Time t) {
  if (t == absl::InfinitePast() || t == absl::InfiniteFuture()) return 0;
  return absl::ToUnixMillis(t);
}

v1::Alert AlertProto(const alerts::Alert& a) {
  v1::Alert out;
  out.set_id(a.id);
  out.set_rule(a.rule);
  out.set_group(a.group);
  SetLabels(a.labels, out.mutable_labels());
  for (const auto& [name, text] : a.annotations) {
    v1::Annotation* annotation = out.add_annotations();
    annotation->set_name(name);
    annotation->set_text(text);
  }
  out.set_severity(std::string(alerts::SeverityName(a.severity)));
  out.set_state(std::string(alerts::AlertStateName(a.state)));
  out.set_value(a.value);
  out.set_active_at_ms(UnixMsOrZero(a.active_at));
  out.set_fired_at_ms(UnixMsOrZero(a.fired_at));
  out.set_resolved_at_ms(UnixMsOrZero(a.resolved_at));
  out.set_acknowledged(a.acknowledged);
  out.set_acknowledged_at_ms(UnixMsOrZero(a.acknowledged_at));
  out.set_acknowledged_by(a.acknowledged_by);
  out.set_ack_comment(a.ack_comment);
  out.set_flapping(a.flapping);
  out.set_silenced_by(a.silenced_by);
  out.set_maintenance(a.maintenance);
  out.set_inhibited_by(a.inhibited_by);
  return out;
}

v1::RuleGroup RuleGroupProto(const alerts::GroupStatus& group) {
  v1::RuleGroup out;
  out.set_name(group.name);
  out.set_file(group.file);
  out.set_interval_ms(absl::ToInt64Milliseconds(group.interval));
  for (const alerts::RuleStatus& status : group.rules) {
    if (status.rule == nullptr) continue;
    const alerts::AlertRule& rule = *status.rule;
    v1::Rule* r = out.add_rules();
    r->set_name(rule.name);
    r->set_query(rule.expr);
    r->set_clear(rule.clear);
    r->set_host_silent_ms(absl::ToInt64Milliseconds(rule.host_silent));
    r->set_for_ms(absl::ToInt64Milliseconds(rule.for_duration));
    r->set_keep_firing_for_ms(absl::ToInt64Milliseconds(rule.keep_firing_for));
    r->set_severity(std::string(alerts::SeverityName(rule.severity)));
    for (const Label& l : rule.labels) {
      v1::Label* label = r->add_labels();
      label->set_name(l.name);
      label->set_value(l.value);
    }
    for (const alerts::Annotation& a : rule.annotations) {
      v1::Annotation* annotation = r->add_annotations();
      annotation->set_name(a.name);
      annotation->set_text(a.text);
    }
    r->set_health(status.health);
    r->set_last_error(status.last_error);
    r->set_last_evaluation_ms(UnixMsOrZero(status.last_evaluation));
    r->set_evaluation_time_us(absl::ToInt64Microseconds(status.evaluation_time));
    std::string state = "inactive";
    for (const alerts::Alert& a : status.alerts) {
      if (a.state == alerts::AlertState::kFiring) state = "firing";
      if (a.state == alerts::AlertState::kPending && state == "inactive") state = "pending";
      *r->add_alerts() = AlertProto(a);
    }
    r->set_state(state);
    r->set_file(rule.file);
    r->set_line(rule.line);
    r->set_host_local(status.host_local);
  }
  return out;
}

v1::AlertEvent AlertEventProto(const alerts::AlertEvent& e) {
  v1::AlertEvent out;
  out.set_time_ms(UnixMsOrZero(e.time));
  out.set_alert_id(e.alert_id);
  out.set_rule(e.rule);
  SetLabels(e.labels, out.mutable_labels());
  out.set_kind(e.kind);
  out.set_detail(e.detail);
  out.set_value(e.value);
  return out;
}

absl::string_view SilenceState(const alerts::Silence& silence, absl::Time now) {
  if (now < silence.starts_at) return "pending";
  if (now < silence.ends_at) return "active";
  return "expired";
}

v1::Silence SilenceProto(const alerts::Silence& s, absl::Time now) {
  v1::Silence out;
  out.set_id(s.id);
  out.set_matchers(s.matchers_text);
  out.set_starts_at_ms(UnixMsOrZero(s.starts_at));
  out.set_ends_at_ms(UnixMsOrZero(s.ends_at));
  out.set_created_at_ms(UnixMsOrZero(s.created_at));
  out.set_created_by(s.created_by);
  out.set_comment(s.comment);
  out.set_expired_early(s.expired_early);
  out.set_state(std::string(SilenceState(s, now)));
  return out;
}

v1::OnCallResponse OnCallProto(const std::vector<alerts::Rotation>& rotations, absl::Time now,
                               int days) {
  v1::OnCallResponse out;
  out.set_now_ms(absl::ToUnixMillis(now));
  for (const alerts::Rotation& rotation : rotations) {
    v1::Rotation* r = out.add_rotations();
    r->set_name(rotation.name);
    SetPerson(alerts::OnDuty(rotation, now, 0), r->mutable_primary());
    if (rotation.people.size() > 1) {
      SetPerson(alerts::OnDuty(rotation, now, 1), r->mutable_secondary());
    }
    for (const alerts::Shift& shift :
         alerts::Schedule(rotation, now, now + absl::Hours(24) * days)) {
      v1::Shift* s = r->add_shifts();
      s->set_start_ms(UnixMsOrZero(shift.start));
      s->set_end_ms(UnixMsOrZero(shift.end));
      // A shift names its person; the rotation has their phone and e-mail.
      alerts::Person person{shift.person, "", ""};
      for (const alerts::Person& p : rotation.people) {
        if (p.name == shift.person) person = p;
      }
      SetPerson(person, s->mutable_person());
      s->set_override(shift.override);
      s->set_reason(shift.reason);
    }
  }
  return out;
}

}  // namespace vigil::api
