// Go's sort.Sort (pattern-defeating quicksort, Go 1.19+) and container/heap, ported
// operation for operation.
//
// Why: Prometheus orders `sort`, `sort_desc`, `topk`, `bottomk` and the inputs of
// `quantile` with these algorithms and comparators that are not strict weak orders
// (NaN compares "less" than everything). Which of several equal or NaN elements ends up
// where is therefore decided by the exact sequence of Less/Swap calls; replaying that
// sequence is the only way to give the same answers. std::sort would be faster and
// differently wrong.
//
// `less(i, j)` and `swap(i, j)` act on indices, like Go's sort.Interface.
// Stateless; thread-safe.
#pragma once

#include <bit>
#include <cstdint>

namespace vigil::query::gosort {

namespace internal {

template <typename Less, typename Swap>
void InsertionSort(Less& less, Swap& swap, int a, int b) {
  for (int i = a + 1; i < b; ++i) {
    for (int j = i; j > a && less(j, j - 1); --j) swap(j, j - 1);
  }
}

template <typename Less, typename Swap>
void SiftDown(Less& less, Swap& swap, int lo, int hi, int first) {
  int root = lo;
  for (;;) {
    int child = 2 * root + 1;
    if (child >= hi) break;
    if (child + 1 < hi && less(first + child, first + child + 1)) ++child;
    if (!less(first + root, first + child)) return;
    swap(first + root, first + child);
    root = child;
  }
}

template <typename Less, typename Swap>
void HeapSort(Less& less, Swap& swap, int a, int b) {
  const int first = a, lo = 0, hi = b - a;
  for (int i = (hi - 1) / 2; i >= 0; --i) SiftDown(less, swap, i, hi, first);
  for (int i = hi - 1; i >= 0; --i) {
    swap(first, first + i);
    SiftDown(less, swap, lo, i, first);
  }
}

enum class Hint { kUnknown, kIncreasing, kDecreasing };

inline int BitLen(uint64_t x) { return 64 - std::countl_zero(x); }

template <typename Less, typename Swap>
void BreakPatterns(Less&, Swap& swap, int a, int b) {
  const int length = b - a;
  if (length < 8) return;
  uint64_t random = static_cast<uint64_t>(length);  // Go's xorshift seeded with the length
  const uint64_t modulus = uint64_t{1} << BitLen(static_cast<uint64_t>(length));
  for (int idx = a + (length / 4) * 2 - 1; idx <= a + (length / 4) * 2 + 1; ++idx) {
    random ^= random << 13;
    random ^= random >> 7;
    random ^= random << 17;
    int other = static_cast<int>(random & (modulus - 1));
    if (other >= length) other -= length;
    swap(idx, a + other);
  }
}

template <typename Less>
void Order2(Less& less, int& a, int& b, int* swaps) {
  if (less(b, a)) {
    ++*swaps;
    const int t = a;
    a = b;
    b = t;
  }
}

template <typename Less>
int Median(Less& less, int a, int b, int c, int* swaps) {
  Order2(less, a, b, swaps);
  Order2(less, b, c, swaps);
  Order2(less, a, b, swaps);
  return b;
}

template <typename Less>
int MedianAdjacent(Less& less, int a, int* swaps) {
  return Median(less, a - 1, a, a + 1, swaps);
}

template <typename Less>
int ChoosePivot(Less& less, int a, int b, Hint* hint) {
  constexpr int kShortestNinther = 50, kMaxSwaps = 4 * 3;
  const int l = b - a;
  int swaps = 0;
  int i = a + l / 4 * 1, j = a + l / 4 * 2, k = a + l / 4 * 3;
  if (l >= 8) {
    if (l >= kShortestNinther) {
      i = MedianAdjacent(less, i, &swaps);
      j = MedianAdjacent(less, j, &swaps);
      k = MedianAdjacent(less, k, &swaps);
    }
    j = Median(less, i, j, k, &swaps);
  }
  *hint = swaps == 0 ? Hint::kIncreasing : swaps == kMaxSwaps ? Hint::kDecreasing : Hint::kUnknown;
  return j;
}

template <typename Swap>
void ReverseRange(Swap& swap, int a, int b) {
  for (int i = a, j = b - 1; i < j; ++i, --j) swap(i, j);
}

template <typename Less, typename Swap>
bool PartialInsertionSort(Less& less, Swap& swap, int a, int b) {
  constexpr int kMaxSteps = 5, kShortestShifting = 50;
  int i = a + 1;
  for (int step = 0; step < kMaxSteps; ++step) {
    while (i < b && !less(i, i - 1)) ++i;
    if (i == b) return true;
    if (b - a < kShortestShifting) return false;
    swap(i, i - 1);
    if (i - a >= 2) {
      for (int j = i - 1; j >= 1; --j) {
        if (!less(j, j - 1)) break;
        swap(j, j - 1);
      }
    }
    if (b - i >= 2) {
      for (int j = i + 1; j < b; ++j) {
        if (!less(j, j - 1)) break;
        swap(j, j - 1);
      }
    }
  }
  return false;
}

template <typename Less, typename Swap>
int PartitionEqual(Less& less, Swap& swap, int a, int b, int pivot) {
  swap(a, pivot);
  int i = a + 1, j = b - 1;
  for (;;) {
    while (i <= j && !less(a, i)) ++i;
    while (i <= j && less(a, j)) --j;
    if (i > j) break;
    swap(i, j);
    ++i;
    --j;
  }
  return i;
}

template <typename Less, typename Swap>
int Partition(Less& less, Swap& swap, int a, int b, int pivot, bool* already_partitioned) {
  swap(a, pivot);
  int i = a + 1, j = b - 1;
  while (i <= j && less(i, a)) ++i;
  while (i <= j && !less(j, a)) --j;
  if (i > j) {
    swap(j, a);
    *already_partitioned = true;
    return j;
  }
  swap(i, j);
  ++i;
  --j;
  for (;;) {
    while (i <= j && less(i, a)) ++i;
    while (i <= j && !less(j, a)) --j;
    if (i > j) break;
    swap(i, j);
    ++i;
    --j;
  }
  swap(j, a);
  *already_partitioned = false;
  return j;
}

template <typename Less, typename Swap>
void PdqSort(Less& less, Swap& swap, int a, int b, int limit) {
  constexpr int kMaxInsertion = 12;
  bool was_balanced = true, was_partitioned = true;
  for (;;) {
    const int length = b - a;
    if (length <= kMaxInsertion) {
      InsertionSort(less, swap, a, b);
      return;
    }
    if (limit == 0) {
      HeapSort(less, swap, a, b);
      return;
    }
    if (!was_balanced) {
      BreakPatterns(less, swap, a, b);
      --limit;
    }
    Hint hint;
    int pivot = ChoosePivot(less, a, b, &hint);
    if (hint == Hint::kDecreasing) {
      ReverseRange(swap, a, b);
      pivot = (b - 1) - (pivot - a);
      hint = Hint::kIncreasing;
    }
    if (was_balanced && was_partitioned && hint == Hint::kIncreasing) {
      if (PartialInsertionSort(less, swap, a, b)) return;
    }
    if (a > 0 && !less(a - 1, pivot)) {
      a = PartitionEqual(less, swap, a, b, pivot);
      continue;
    }
    bool already_partitioned = false;
    const int mid = Partition(less, swap, a, b, pivot, &already_partitioned);
    was_partitioned = already_partitioned;
    const int left_len = mid - a, right_len = b - mid;
    const int balance_threshold = length / 8;
    if (left_len < right_len) {
      was_balanced = left_len >= balance_threshold;
      PdqSort(less, swap, a, mid, limit);
      a = mid + 1;
    } else {
      was_balanced = right_len >= balance_threshold;
      PdqSort(less, swap, mid + 1, b, limit);
      b = mid;
    }
  }
}

}  // namespace internal

// sort.Sort of n elements.
template <typename Less, typename Swap>
void Sort(int n, Less less, Swap swap) {
  if (n <= 1) return;
  internal::PdqSort(less, swap, 0, n, internal::BitLen(static_cast<uint64_t>(n)));
}

// container/heap on the first n elements (a min-heap by `less`).
template <typename Less, typename Swap>
void HeapUp(Less& less, Swap& swap, int j) {
  for (;;) {
    const int i = (j - 1) / 2;  // truncates toward zero, as Go: j == 0 gives i == 0
    if (i == j || !less(j, i)) break;
    swap(i, j);
    j = i;
  }
}

template <typename Less, typename Swap>
void HeapDown(Less& less, Swap& swap, int i0, int n) {
  int i = i0;
  for (;;) {
    const int j1 = 2 * i + 1;
    if (j1 >= n || j1 < 0) break;
    int j = j1;
    if (const int j2 = j1 + 1; j2 < n && less(j2, j1)) j = j2;
    if (!less(j, i)) break;
    swap(i, j);
    i = j;
  }
}

}  // namespace vigil::query::gosort
