#include "agent/sources/postgres_options.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "common/config_node.h"
#include "common/status.h"

namespace vigil::agent {
namespace {

absl::Status GetInterval(const ConfigNode& node, absl::string_view key, absl::Duration minimum,
                         absl::Duration* out) {
  VIGIL_RETURN_IF_ERROR(node.GetDuration(key, out));
  if (*out < minimum) {
    return node.Error(key, absl::StrCat("must be at least ", absl::FormatDuration(minimum)));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ParsePostgresInstances(const ConfigNode& node, const std::string& base_dir,
                                    std::vector<PostgresInstanceOptions>* out) {
  VIGIL_ASSIGN_OR_RETURN(std::vector<ConfigNode> instances, node.Elements());
  std::set<std::string> names;
  for (const ConfigNode& i : instances) {
    VIGIL_RETURN_IF_ERROR(i.CheckKeys(
        {"name", "host", "port", "user", "dbname", "password_file", "sslmode", "sslrootcert",
         "sslcert", "sslkey", "connect_timeout", "query_timeout", "interval", "database_interval",
         "size_interval", "statements_interval", "statements_top"}));
    PostgresInstanceOptions o;
    int64_t port = o.port;
    VIGIL_RETURN_IF_ERROR(i.GetInt("port", &port));
    if (port < 1 || port > 65535) return i.Error("port", "must be between 1 and 65535");
    o.port = static_cast<int>(port);
    o.name = std::to_string(o.port);
    VIGIL_RETURN_IF_ERROR(i.GetString("name", &o.name));
    if (o.name.empty()) return i.Error("name", "must not be empty");
    if (!names.insert(o.name).second) {
      return i.Error("name", absl::StrCat("instance \"", o.name,
                                          "\" is listed twice (give each a distinct name)"));
    }
    VIGIL_RETURN_IF_ERROR(i.GetString("host", &o.host));
    if (o.host.empty()) return i.Error("host", "must be a socket directory or a host name");
    VIGIL_RETURN_IF_ERROR(i.GetString("user", &o.user));
    if (o.user.empty()) return i.Error("user", "must not be empty");
    VIGIL_RETURN_IF_ERROR(i.GetString("dbname", &o.dbname));
    if (o.dbname.empty()) return i.Error("dbname", "must not be empty");
    VIGIL_RETURN_IF_ERROR(i.GetString("password_file", &o.password_file));
    o.password_file = ResolveConfigPath(base_dir, o.password_file);
    VIGIL_RETURN_IF_ERROR(i.GetString("sslmode", &o.sslmode));
    static const std::set<std::string> kModes = {"",        "disable",   "allow",      "prefer",
                                                 "require", "verify-ca", "verify-full"};
    if (kModes.count(o.sslmode) == 0) {
      return i.Error("sslmode",
                     "must be disable, allow, prefer, require, verify-ca or verify-full");
    }
    for (auto [key, field] : {std::pair{"sslrootcert", &o.sslrootcert},
                              std::pair{"sslcert", &o.sslcert}, std::pair{"sslkey", &o.sslkey}}) {
      VIGIL_RETURN_IF_ERROR(i.GetString(key, field));
      *field = ResolveConfigPath(base_dir, *field);
    }
    VIGIL_RETURN_IF_ERROR(GetInterval(i, "connect_timeout", absl::Seconds(2), &o.connect_timeout));
    VIGIL_RETURN_IF_ERROR(GetInterval(i, "query_timeout", absl::Seconds(1), &o.query_timeout));
    VIGIL_RETURN_IF_ERROR(GetInterval(i, "interval", absl::Seconds(1), &o.interval));
    VIGIL_RETURN_IF_ERROR(
        GetInterval(i, "database_interval", absl::Seconds(1), &o.database_interval));
    VIGIL_RETURN_IF_ERROR(GetInterval(i, "size_interval", absl::Seconds(1), &o.size_interval));
    VIGIL_RETURN_IF_ERROR(
        GetInterval(i, "statements_interval", absl::Seconds(1), &o.statements_interval));
    if (o.query_timeout > o.interval) {
      return i.Error("query_timeout", "must not be longer than interval");
    }
    int64_t top = o.statements_top;
    VIGIL_RETURN_IF_ERROR(i.GetInt("statements_top", &top));
    if (top < 0 || top > 100) return i.Error("statements_top", "must be between 0 and 100");
    o.statements_top = static_cast<int>(top);
    out->push_back(std::move(o));
  }
  return absl::OkStatus();
}

}  // namespace vigil::agent
