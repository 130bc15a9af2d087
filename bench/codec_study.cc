#include "bench/codec_study.h"

#include <zstd.h>

#include <bit>
#include <memory>
#include <optional>
#include <random>
#include <span>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "bench/host_data.h"
#include "collector/storage/chunk_codec.h"
#include "collector/storage/decimal_chunk.h"

namespace vigil::bench {
namespace {

constexpr size_t kKeyBytes = 16;

// The chunks-column-family key of keys.h: big-endian series id, then the start time
// big-endian with its sign bit flipped.
void AppendChunkKey(uint64_t series_id, int64_t start_ms, std::string* out) {
  const uint64_t t = static_cast<uint64_t>(start_ms) ^ (uint64_t{1} << 63);
  for (int i = 7; i >= 0; --i) out->push_back(static_cast<char>(series_id >> (8 * i)));
  for (int i = 7; i >= 0; --i) out->push_back(static_cast<char>(t >> (8 * i)));
}

struct ZstdContext {
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  std::string buffer;
  ~ZstdContext() { ZSTD_freeCCtx(cctx); }
};

// The keys and chunks of one series in one encoding, cut into blocks of about each
// group size and compressed block by block.
class BlockCompressor {
 public:
  BlockCompressor(const std::vector<int>& group_bytes, int level, ZstdContext* zstd)
      : group_bytes_(group_bytes),
        level_(level),
        zstd_(zstd),
        pending_(group_bytes.size()),
        compressed_(group_bytes.size(), 0) {}

  absl::Status Add(uint64_t series_id, int64_t start_ms, const std::string& chunk) {
    for (size_t g = 0; g < group_bytes_.size(); ++g) {
      AppendChunkKey(series_id, start_ms, &pending_[g]);
      pending_[g] += chunk;
      if (pending_[g].size() >= static_cast<size_t>(group_bytes_[g])) {
        absl::Status s = Compress(g);
        if (!s.ok()) return s;
      }
    }
    return absl::OkStatus();
  }

  // Compresses what is pending and adds the totals to *sizes.
  absl::Status Finish(std::vector<uint64_t>* sizes) {
    for (size_t g = 0; g < group_bytes_.size(); ++g) {
      if (!pending_[g].empty()) {
        absl::Status s = Compress(g);
        if (!s.ok()) return s;
      }
      (*sizes)[g] += compressed_[g];
    }
    return absl::OkStatus();
  }

 private:
  absl::Status Compress(size_t g) {
    std::string& out = zstd_->buffer;
    out.resize(ZSTD_compressBound(pending_[g].size()));
    const size_t n = ZSTD_compressCCtx(zstd_->cctx, out.data(), out.size(), pending_[g].data(),
                                       pending_[g].size(), level_);
    if (ZSTD_isError(n)) return absl::InternalError(absl::StrCat("zstd: ", ZSTD_getErrorName(n)));
    compressed_[g] += n;
    pending_[g].clear();
    return absl::OkStatus();
  }

  const std::vector<int>& group_bytes_;
  const int level_;
  ZstdContext* zstd_;
  std::vector<std::string> pending_;
  std::vector<uint64_t> compressed_;
};

bool SameSamples(std::span<const int64_t> ts, std::span<const double> vs,
                 const std::vector<int64_t>& got_ts, const std::vector<double>& got_vs) {
  if (got_ts.size() != ts.size() || got_vs.size() != vs.size()) return false;
  for (size_t i = 0; i < ts.size(); ++i) {
    if (got_ts[i] != ts[i] ||
        std::bit_cast<uint64_t>(got_vs[i]) != std::bit_cast<uint64_t>(vs[i])) {
      return false;
    }
  }
  return true;
}

void AddInto(const KindResult& from, KindResult* to) {
  to->series += from.series;
  to->samples += from.samples;
  to->chunks += from.chunks;
  to->decimal_chunks += from.decimal_chunks;
  to->columnar_chosen += from.columnar_chosen;
  auto add = [](const EncodingSize& a, EncodingSize* b) {
    b->raw_bytes += a.raw_bytes;
    for (size_t g = 0; g < a.zstd_bytes.size(); ++g) b->zstd_bytes[g] += a.zstd_bytes[g];
  };
  add(from.xor_chunks, &to->xor_chunks);
  add(from.decimal, &to->decimal);
  add(from.chosen, &to->chosen);
}

KindResult EmptyKind(std::string name, size_t groups) {
  KindResult k;
  k.kind = std::move(name);
  for (EncodingSize* e : {&k.xor_chunks, &k.decimal, &k.chosen}) e->zstd_bytes.assign(groups, 0);
  return k;
}

double PerSample(uint64_t bytes, uint64_t samples) {
  return samples == 0 ? 0 : static_cast<double>(bytes) / static_cast<double>(samples);
}

}  // namespace

absl::StatusOr<CodecStudyResult> RunCodecStudy(const CodecStudyOptions& options) {
  if (options.hosts < 1 || options.ticks < 1 || options.series_per_host < 1 ||
      options.chunk_samples < 1 ||
      static_cast<size_t>(options.chunk_samples) > storage::kMaxColumnLength) {
    return absl::InvalidArgumentError(
        "codec study: hosts, ticks, series per host and chunk samples must be positive");
  }
  for (int g : options.zstd_group_bytes) {
    if (g < 1) return absl::InvalidArgumentError("codec study: zstd group sizes must be positive");
  }
  const size_t groups = options.zstd_group_bytes.size();
  CodecStudyResult result;
  result.options = options;
  std::vector<KindResult> kinds;
  for (int k = 0; k < kSeriesKindCount; ++k) {
    kinds.push_back(EmptyKind(std::string(SeriesKindName(static_cast<SeriesKind>(k))), groups));
  }
  storage::ColumnOptions column_options;
  column_options.mantissa_methods = options.mantissa_methods;
  const bool real_choice = options.mantissa_methods == storage::kIntColumnAllMethods;

  ZstdContext zstd;
  std::mt19937_64 misses(options.seed ^ 0x5eed);
  std::vector<int64_t> timestamps(options.chunk_samples);
  std::vector<double> tick_values;
  std::vector<double> slab;  // one chunk of every series, series-major
  std::vector<int64_t> got_ts;
  std::vector<double> got_vs;
  struct SeriesBlocks {
    BlockCompressor xor_chunks, decimal, chosen;
  };
  for (int h = 0; h < options.hosts; ++h) {
    HostDataGenerator host(options.seed * 1000003 + static_cast<uint64_t>(h),
                           options.series_per_host);
    const size_t n_series = host.size();
    std::vector<SeriesBlocks> blocks;
    blocks.reserve(n_series);
    for (size_t s = 0; s < n_series; ++s) {
      BlockCompressor b(options.zstd_group_bytes, options.zstd_level, &zstd);
      blocks.push_back(SeriesBlocks{b, b, b});
      ++kinds[static_cast<int>(host.series()[s].kind)].series;
    }
    int64_t t = options.start_ms;
    // One chunk of every series at a time: memory stays at one chunk per series.
    for (int first = 0; first < options.ticks; first += options.chunk_samples) {
      const size_t n = static_cast<size_t>(std::min(options.chunk_samples, options.ticks - first));
      slab.assign(n_series * n, 0);
      for (size_t i = 0; i < n; ++i) {
        timestamps[i] = t;
        host.Tick(t, &tick_values);
        for (size_t s = 0; s < n_series; ++s) slab[s * n + i] = tick_values[s];
        t += std::bernoulli_distribution(options.missed_tick_probability)(misses) ? 2000 : 1000;
      }
      const std::span<const int64_t> ts(timestamps.data(), n);
      const int64_t start = ts.front();
      for (size_t s = 0; s < n_series; ++s) {
        KindResult& kind = kinds[static_cast<int>(host.series()[s].kind)];
        const uint64_t series_id = static_cast<uint64_t>(h) * n_series + s + 1;
        const std::span<const double> vs(slab.data() + s * n, n);
        const std::string xor_chunk = storage::EncodeXorChunk(start, ts, vs);
        std::optional<std::string> decimal =
            storage::EncodeDecimalChunk(start, ts, vs, column_options);
        std::string chosen;
        if (real_choice) {
          chosen = storage::EncodeChunk(start, ts, vs);
        } else {
          std::string columnar = storage::EncodeColumnarChunk(start, ts, vs, column_options);
          chosen = columnar.size() < xor_chunk.size() ? std::move(columnar) : xor_chunk;
        }
        const std::string& decimal_or_xor = decimal.has_value() ? *decimal : xor_chunk;
        ++kind.chunks;
        kind.samples += n;
        if (decimal.has_value()) ++kind.decimal_chunks;
        if (static_cast<uint8_t>(chosen[0]) == storage::kChunkFormatColumnar) {
          ++kind.columnar_chosen;
        }
        if (chosen.size() > xor_chunk.size() || chosen.size() > decimal_or_xor.size()) {
          ++result.chosen_not_smallest;
        }
        kind.xor_chunks.raw_bytes += xor_chunk.size() + kKeyBytes;
        kind.decimal.raw_bytes += decimal_or_xor.size() + kKeyBytes;
        kind.chosen.raw_bytes += chosen.size() + kKeyBytes;
        SeriesBlocks& b = blocks[s];
        absl::Status st = b.xor_chunks.Add(series_id, start, xor_chunk);
        if (st.ok()) st = b.decimal.Add(series_id, start, decimal_or_xor);
        if (st.ok()) st = b.chosen.Add(series_id, start, chosen);
        if (!st.ok()) return st;
        if (options.verify) {
          got_ts.clear();
          got_vs.clear();
          if (!storage::DecodeChunk(start, chosen, &got_ts, &got_vs).ok() ||
              !SameSamples(ts, vs, got_ts, got_vs)) {
            ++result.decode_mismatches;
          }
        }
      }
    }
    for (size_t s = 0; s < n_series; ++s) {
      KindResult& kind = kinds[static_cast<int>(host.series()[s].kind)];
      absl::Status st = blocks[s].xor_chunks.Finish(&kind.xor_chunks.zstd_bytes);
      if (st.ok()) st = blocks[s].decimal.Finish(&kind.decimal.zstd_bytes);
      if (st.ok()) st = blocks[s].chosen.Finish(&kind.chosen.zstd_bytes);
      if (!st.ok()) return st;
    }
  }
  result.overall = EmptyKind("overall", groups);
  for (KindResult& k : kinds) {
    if (k.series == 0) continue;
    AddInto(k, &result.overall);
    result.kinds.push_back(std::move(k));
  }
  return result;
}

std::string FormatCodecStudy(const CodecStudyResult& result) {
  const CodecStudyOptions& o = result.options;
  std::string out = absl::StrFormat(
      "chunk codec study: %d hosts x %d series x %d ticks (1 s), chunks of %d samples\n"
      "bytes per sample: raw = chunks + 16-byte keys; zN = zstd level %d over ~N-byte "
      "blocks of a series' keys and chunks\n",
      o.hosts, o.series_per_host, o.ticks, o.chunk_samples, o.zstd_level);
  std::string header =
      absl::StrFormat("%-19s %6s %8s %6s %6s", "kind", "series", "dec%", "fmt3%", "");
  std::string names;
  for (const char* encoding : {"xor", "decimal", "chosen"}) {
    std::string cols = absl::StrFormat(" %7s", "raw");
    for (int g : o.zstd_group_bytes)
      cols += absl::StrFormat(" %6s", absl::StrCat("z", g / 1024, "K"));
    names += absl::StrFormat(" | %-*s", static_cast<int>(cols.size()) - 1, encoding);
    header += " |" + cols;
  }
  out += absl::StrFormat("%-19s %6s %8s %6s %6s%s\n", "", "", "", "", "", names);
  out += header + "\n";
  auto row = [&](const KindResult& k) {
    std::string line = absl::StrFormat("%-19s %6d %7.1f%% %5.1f%% %6s", k.kind, k.series,
                                       100.0 * PerSample(k.decimal_chunks, k.chunks),
                                       100.0 * PerSample(k.columnar_chosen, k.chunks), "");
    for (const EncodingSize* e : {&k.xor_chunks, &k.decimal, &k.chosen}) {
      line += absl::StrFormat(" | %7.3f", PerSample(e->raw_bytes, k.samples));
      for (uint64_t z : e->zstd_bytes) line += absl::StrFormat(" %6.3f", PerSample(z, k.samples));
    }
    out += line + "\n";
  };
  for (const KindResult& k : result.kinds) row(k);
  row(result.overall);
  out += absl::StrFormat(
      "dec%%: chunks exactly decimal; fmt3%%: chunks EncodeChunk stored as format 3; "
      "consistency: %d chunks chosen larger than an alternative, %d decode mismatches\n",
      result.chosen_not_smallest, result.decode_mismatches);
  return out;
}

nlohmann::json CodecStudyToJson(const CodecStudyResult& result) {
  const CodecStudyOptions& o = result.options;
  auto encoding = [&](const EncodingSize& e, uint64_t samples) {
    nlohmann::json j;
    j["raw_bytes"] = e.raw_bytes;
    j["raw_bytes_per_sample"] = PerSample(e.raw_bytes, samples);
    for (size_t g = 0; g < e.zstd_bytes.size(); ++g) {
      const std::string name = absl::StrCat("zstd_", o.zstd_group_bytes[g]);
      j[name + "_bytes"] = e.zstd_bytes[g];
      j[name + "_bytes_per_sample"] = PerSample(e.zstd_bytes[g], samples);
    }
    return j;
  };
  auto kind = [&](const KindResult& k) {
    return nlohmann::json{{"kind", k.kind},
                          {"series", k.series},
                          {"samples", k.samples},
                          {"chunks", k.chunks},
                          {"decimal_chunks", k.decimal_chunks},
                          {"columnar_chosen", k.columnar_chosen},
                          {"xor", encoding(k.xor_chunks, k.samples)},
                          {"decimal", encoding(k.decimal, k.samples)},
                          {"chosen", encoding(k.chosen, k.samples)}};
  };
  nlohmann::json kinds = nlohmann::json::array();
  for (const KindResult& k : result.kinds) kinds.push_back(kind(k));
  return nlohmann::json{{"options",
                         {{"hosts", o.hosts},
                          {"ticks", o.ticks},
                          {"series_per_host", o.series_per_host},
                          {"chunk_samples", o.chunk_samples},
                          {"seed", o.seed},
                          {"start_ms", o.start_ms},
                          {"missed_tick_probability", o.missed_tick_probability},
                          {"zstd_group_bytes", o.zstd_group_bytes},
                          {"zstd_level", o.zstd_level},
                          {"mantissa_methods", o.mantissa_methods}}},
                        {"kinds", kinds},
                        {"overall", kind(result.overall)},
                        {"chosen_not_smallest", result.chosen_not_smallest},
                        {"decode_mismatches", result.decode_mismatches}};
}

}  // namespace vigil::bench
