#include "bench/host_models.h"

#include <algorithm>
#include <cmath>

namespace vigil::bench {
namespace {

// What the agent multiplies by (agent/sources/diskstats.cc).
constexpr double kMsToSeconds = 1 / 1000.0;
constexpr double kSectorBytes = 512;

}  // namespace

uint64_t HostRng::Next() {  // splitmix64
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
double HostRng::Uniform() { return static_cast<double>(Next() >> 11) * 0x1p-53; }
int64_t HostRng::Below(int64_t bound) {
  return bound <= 1 ? 0 : static_cast<int64_t>(Next() % static_cast<uint64_t>(bound));
}
double HostRng::Normal() {
  // Irwin-Hall: the sum of four uniforms has variance 1/3.
  return (Uniform() + Uniform() + Uniform() + Uniform() - 2) * 1.7320508075688772;
}

void StepHostModel(HostModel& m, const HostTick& tick, HostRng& r, double* out) {
  auto nonneg = [](double x) { return x < 0 ? int64_t{0} : static_cast<int64_t>(std::llround(x)); };
  switch (m.type) {
    case HostModel::Type::kConstant:
      out[0] = m.level;
      return;
    case HostModel::Type::kCpu: {
      m.level = std::clamp(m.level + 0.02 * r.Normal(), 0.01, 0.97);
      if (r.Below(500) == 0) m.level = 0.05 + 0.9 * r.Uniform();  // a job starts or ends
      const double busy = std::clamp(m.level * 100 + 3 * r.Normal(), 0.0, 100.0);
      const int64_t user = nonneg(busy * 0.72);
      const int64_t system = nonneg(busy * 0.2);
      const int64_t iowait = nonneg(busy * 0.1 * r.Uniform());
      const int64_t softirq = busy > 5 ? r.Below(3) : 0;
      const int64_t irq = r.Below(10) == 0 ? 1 : 0;
      const int64_t nice = r.Below(300) == 0 ? 1 : 0;
      const int64_t idle = std::max<int64_t>(
          0, 100 - user - system - iowait - softirq - irq - nice + r.Below(3) - 1);
      const int64_t add[8] = {user, nice, system, idle, iowait, irq, softirq, 0};
      for (int k = 0; k < 8; ++k) {
        m.c[k] += add[k];
        out[k] = static_cast<double>(m.c[k]) / kUserHz;
      }
      return;
    }
    case HostModel::Type::kWalk:
      if (m.p_change > 0 && r.Uniform() < m.p_change) {
        m.c[0] = std::clamp<int64_t>(m.c[0] + std::llround(m.sigma * r.Normal()), m.lo, m.hi);
      }
      out[0] = static_cast<double>(m.c[0] * m.unit);
      return;
    case HostModel::Type::kBurstGauge:
      out[0] = r.Uniform() < m.p_change ? static_cast<double>((1 + r.Below(m.sigma)) * m.unit) : 0;
      return;
    case HostModel::Type::kNetDevice: {
      m.level = std::clamp(m.level + 0.05 * r.Normal(), 0.1, 3.0);
      const int64_t rx = nonneg(m.rate * m.level * (1 + 0.3 * r.Normal()));
      const int64_t tx = nonneg(m.rate * 0.6 * m.level * (1 + 0.3 * r.Normal()));
      m.c[0] += rx;
      m.c[1] += rx / (600 + r.Below(800)) + (rx > 0 ? 1 : 0);
      m.c[2] += r.Below(200000) == 0 ? 1 : 0;
      m.c[3] += r.Below(3000) == 0 ? 1 : 0;
      m.c[7] += r.Below(20) == 0 ? 1 : 0;
      m.c[8] += tx;
      m.c[9] += tx / (400 + r.Below(1000)) + (tx > 0 ? 1 : 0);
      m.c[11] += r.Below(50000) == 0 ? 1 : 0;
      for (int k = 0; k < 16; ++k) out[k] = static_cast<double>(m.c[k]);
      return;
    }
    case HostModel::Type::kDisk: {
      int64_t* c = m.c.data();
      if (m.hold > 0) {
        --m.hold;
      } else if (r.Uniform() < m.p_change) {
        m.hold = 1 + r.Below(m.steady ? 20 : 5);
      }
      const bool busy = m.hold > 0;
      const double burst = busy ? m.rate * r.Uniform() : 0;
      const int64_t reads = nonneg(burst * (m.steady ? 0.7 : 0.3));
      const int64_t writes = nonneg(burst * 0.5 + (m.steady ? 20 + 60 * r.Uniform() : 0));
      c[0] += reads;
      c[1] += nonneg(reads * 0.2 * r.Uniform());
      c[2] += reads * (8 + r.Below(248));
      c[3] += nonneg(reads * 0.15 * r.Uniform());
      c[4] += writes;
      c[5] += nonneg(writes * 0.5 * r.Uniform());
      c[6] += writes * (8 + r.Below(56));
      c[7] += nonneg(writes * 0.05 * r.Uniform());
      c[8] = busy ? r.Below(12) : writes > 0 ? r.Below(2) : 0;
      const int64_t io_ms = std::min<int64_t>(1000, nonneg((reads + writes) * 0.4));
      c[9] += io_ms;
      c[10] += io_ms * (1 + c[8]);
      if (r.Below(3600) == 0) {  // a periodic fstrim
        const int64_t discards = 1 + r.Below(50);
        c[11] += discards;
        c[12] += r.Below(discards);
        c[13] += discards * 2048;
        c[14] += discards * r.Below(3);
      }
      const int64_t flushes = writes > 0 ? r.Below(m.steady ? 20 : 3) : 0;
      c[15] += flushes;
      c[16] += nonneg(flushes * 0.3 * r.Uniform());
      for (int k = 0; k < 17; ++k) {
        const double raw = static_cast<double>(c[k]);
        switch (k) {
          case 2:
          case 6:
            out[k] = raw * kSectorBytes;
            break;
          case 3:
          case 7:
          case 9:
          case 10:
          case 14:
          case 16:
            out[k] = raw * kMsToSeconds;
            break;
          default:
            out[k] = raw;
        }
      }
      return;
    }
    case HostModel::Type::kFilesystem: {
      int64_t* c = m.c.data();
      if (m.p_change > 0 && r.Uniform() < m.p_change) {
        c[1] = std::clamp<int64_t>(c[1] + std::llround(m.rate + m.sigma * r.Normal()), 0, c[0]);
        if (r.Below(10) == 0) c[4] = std::max<int64_t>(0, c[4] + r.Below(21) - 10);
      }
      out[0] = static_cast<double>(c[0]) * kPage;
      out[1] = static_cast<double>(c[1]) * kPage;
      out[2] = static_cast<double>(std::max<int64_t>(0, c[1] - c[2])) * kPage;
      out[3] = static_cast<double>(c[3]);
      out[4] = static_cast<double>(c[4]);
      return;
    }
    case HostModel::Type::kLoad: {
      if (tick.index % 5 == 0) {  // the kernel recomputes the averages every 5 s
        m.level = std::clamp(m.level + 0.3 * r.Normal(), 0.0, m.level * 2 + 4);
        const double running = std::max(0.0, m.level + 2 * r.Normal());
        static const double kDecay[3] = {std::exp(-5.0 / 60), std::exp(-5.0 / 300),
                                         std::exp(-5.0 / 900)};
        for (int k = 0; k < 3; ++k) m.l[k] = m.l[k] * kDecay[k] + running * (1 - kDecay[k]);
      }
      // /proc/loadavg prints 2 decimals; the agent parses them.
      for (int k = 0; k < 3; ++k) out[k] = static_cast<double>(std::llround(m.l[k] * 100)) / 100;
      return;
    }
    case HostModel::Type::kTime: {
      const int64_t ms = tick.t_ms + r.Below(4);  // the scrape runs a few ms after the tick
      const int64_t seconds = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
      out[0] = static_cast<double>(seconds) + static_cast<double>(ms - seconds * 1000) / 1000;
      return;
    }
    case HostModel::Type::kDuration: {
      // MonotonicSeconds() before and after the source ran (agent/sampler.cc).
      const int64_t start = tick.monotonic_ns + r.Below(2000000);
      const int64_t end = start + nonneg(m.rate * std::exp(0.5 * r.Normal()));
      auto seconds = [](int64_t ns) {
        return static_cast<double>(ns / 1000000000) + static_cast<double>(ns % 1000000000) / 1e9;
      };
      out[0] = seconds(end) - seconds(start);
      return;
    }
    case HostModel::Type::kState:
      if (m.hold > 0) {
        --m.hold;
      } else if (r.Uniform() < m.p_change) {
        m.hold = 1 + r.Below(30);
      }
      out[0] = m.hold > 0 ? 1 - m.level : m.level;
      return;
    case HostModel::Type::kRandomInt:
      out[0] = static_cast<double>(m.lo + r.Below(m.sigma));
      return;
    case HostModel::Type::kRateCounter:
      if (r.Uniform() < m.p_change) m.c[0] += nonneg(m.rate * (1 + m.spread * r.Normal()));
      out[0] = static_cast<double>(m.c[0]);
      return;
  }
}

}  // namespace vigil::bench
