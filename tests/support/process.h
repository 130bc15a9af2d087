// The tests use the project's child-process helpers (common/child_process.h).
#pragma once

#include "common/child_process.h"

namespace vigil::testing {

using ::vigil::ChildProcess;
using ::vigil::ReadAll;
using ::vigil::RunCommand;
using ::vigil::WaitFor;

}  // namespace vigil::testing
