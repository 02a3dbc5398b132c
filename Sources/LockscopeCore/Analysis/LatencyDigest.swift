/// Durations summarised with bounded memory: count, exact sum, min and max, and
/// nearest-rank percentiles that are exact for the first `exactLimit` samples and within
/// 0.8% afterwards.
///
/// Past `exactLimit`, samples go into a log-linear histogram: values below 128 ns get a
/// bucket each; above, every power of two is split into 64 buckets, so a bucket is at most
/// 1/64 of its lower bound wide and its midpoint is within 1/128 of any value in it. Only
/// the range of buckets actually used is allocated.
struct LatencyDigest: Sendable {
  static let exactLimit = 128
  static let subBucketBits = 6
  static let linearLimit: Int64 = 128

  private(set) var min: Int64 = .max
  /// `max`, and in its sign bit (never a sample's: samples are not negative) whether a
  /// digest with no `store` holds two samples rather than one.
  private var maxAndPair: Int64 = 0
  /// nil with no sample or one or two (they are `min` and `max`: a million per-key names
  /// allocate nothing); from the third on, the samples, exact or as a histogram. One
  /// reference, not an enum with one: a sample is added through it in place, where taking
  /// an enum's payload out and putting it back retained and released it (atomic operations)
  /// for every sample of every busy lock and agent. 24 bytes a digest.
  private var store: SampleStore?

  init() {}

  private(set) var max: Int64 {
    get { maxAndPair & .max }
    set { maxAndPair = maxAndPair & .min | newValue }
  }

  var count: Int {
    if let store { return store.count }
    if min > max { return 0 }  // as made: `min` is Int64.max, `max` 0
    return maxAndPair < 0 ? 2 : 1
  }

  var isExact: Bool { count <= LatencyDigest.exactLimit }

  /// Sum of all samples, 128 bits wide: ten thousand waits of twelve days pass Int64.max,
  /// and a saturated sum would make the mean wrong (below the median, even).
  var sum: Int128 {
    if let store { return store.sum }
    switch count {
    case 0: return 0
    case 1: return Int128(min)
    default: return Int128(min) + Int128(max)
    }
  }

  /// Adds a duration in nanoseconds (negative durations are recorded as 0).
  @inline(__always)
  mutating func add(_ sample: Int64) {
    let value = Swift.max(0, sample)
    if store != nil {
      // The store is read where it is kept: no retain, no release (see `store`).
      if _slowPath(!isKnownUniquelyReferenced(&store)) { store = store.unsafelyUnwrapped.copy() }
      if _slowPath(!store.unsafelyUnwrapped.addIfRoom(value)) { addMakingRoom(value) }
    } else {
      switch count {
      case 0: break
      case 1: maxAndPair |= .min  // a pair now
      default: keepThird(value)
      }
    }
    if value < min { min = value }
    if value > max { max = value }
  }

  /// The third sample: it and the two before it (`min` and `max`) go into a store.
  @inline(never)
  private mutating func keepThird(_ value: Int64) {
    let made = SampleStore()
    made.keepExact(min)
    made.keepExact(max)
    made.keepExact(value)
    maxAndPair &= .max
    store = made
  }

  /// A sample the store has no room for yet: an exact one when its memory is full (it
  /// grows), the first past `exactLimit` (the histogram is made from the exact samples),
  /// or one outside the buckets in use (they are widened). The store is held here alone
  /// (`add` made sure).
  @inline(never)
  private mutating func addMakingRoom(_ value: Int64) {
    if let store, !store.isHistogram && store.count < LatencyDigest.exactLimit {
      store.keepExact(value)
      return
    }
    let histogram = histogramForAdding()
    histogram.sum += Int128(value)
    histogram.add(value)
  }

  /// The store as a histogram, made from the samples on first use and copied if shared (a
  /// digest is a value: a copy must not see later samples of the original).
  private mutating func histogramForAdding() -> SampleStore {
    if store == nil {
      store = SampleStore(exact: exactSamples)
      maxAndPair &= .max
    } else if !isKnownUniquelyReferenced(&store) {
      store = store.unsafelyUnwrapped.copy()
    }
    let store = store.unsafelyUnwrapped
    if !store.isHistogram { store.makeHistogram(min: min, max: max) }
    return store
  }

  /// The samples while the digest is exact (one or two are kept as `min` and `max`).
  private var exactSamples: [Int64] {
    if let store { return store.isHistogram ? [] : Array(store.exact) }
    switch count {
    case 0: return []
    case 1: return [min]
    default: return [min, max]
    }
  }

  /// The histogram, nil while the digest is exact.
  private var histogram: SampleStore? {
    if let store, store.isHistogram { return store }
    return nil
  }

  /// Mean rounded down, 0 with no samples.
  var mean: Int64 { count == 0 ? 0 : Int64(sum / Int128(count)) }  // ≤ max: it fits

  /// What every row of a report shows of a digest, read in one pass over its kinds of
  /// storage: a row with one or two samples (a million per-key names) makes no array.
  struct Summary: Equatable {
    var count = 0
    var sum: Int128 = 0
    var mean: Int64 = 0
    var p50: Int64 = 0, p90: Int64 = 0, p95: Int64 = 0, p99: Int64 = 0
    var max: Int64 = 0
  }

  var summary: Summary {
    switch (count, store) {
    case (0, _):
      return Summary()
    case (1, nil):
      return Summary(count: 1, sum: Int128(min), mean: min, p50: min, p90: min, p95: min, p99: min, max: max)
    case (_, nil):
      // Ranks ⌈p·2/100⌉: 1 (`min`) for p50, 2 (`max`) for p90 and up.
      let sum = Int128(min) + Int128(max)
      return Summary(count: 2, sum: sum, mean: Int64(sum / 2), p50: min, p90: max, p95: max, p99: max, max: max)
    case (let count, _?):
      let sum = sum
      let values = reportedPercentiles
      return Summary(
        count: count, sum: sum, mean: Int64(sum / Int128(count)), p50: values[0], p90: values[1], p95: values[2],
        p99: values[3], max: max)
    }
  }

  /// p50, p90, p95 and p99, as `percentiles([50, 90, 95, 99])` gives them, with nothing
  /// allocated: the exact samples are sorted in a copy on the stack, and the buckets walked
  /// once (the four ranks ascend). Every row of a report asks this of three digests, and
  /// rows are made on two threads that share one allocator (`RowsMadeAhead`).
  private var reportedPercentiles: SIMD4<Int64> {
    // Nearest ranks ⌈p·n/100⌉, at least 1 (as in `percentiles`).
    let exactRanks = (SIMD4<Int>(50, 90, 95, 99) &* count &+ 99) / 100
    let ranks = exactRanks.replacing(with: 1, where: exactRanks .< 1)
    guard let store else {
      let values = percentiles([50, 90, 95, 99])
      return SIMD4(values[0], values[1], values[2], values[3])
    }
    if !store.isHistogram {
      let kept = store.exact
      return withUnsafeTemporaryAllocation(of: Int64.self, capacity: kept.count) { buffer in
        var sorted = buffer  // the same memory: sorting moves no values out of it
        _ = sorted.initialize(fromContentsOf: kept)
        sorted.sort()
        return SIMD4(
          sorted[ranks[0] - 1], sorted[ranks[1] - 1], sorted[ranks[2] - 1], sorted[ranks[3] - 1])
      }
    }
    var values = SIMD4<Int64>(repeating: max)
    var next = 0
    var seen = 0
    store.forEachCount { offset, bucketCount in
      seen += Int(bucketCount)
      while next < 4 && seen >= ranks[next] {
        values[next] = middle(ofBucket: store.lowestBucket + offset)
        next += 1
      }
      return next < 4
    }
    return values
  }

  /// Several nearest-rank percentiles at once (one sort of the exact samples).
  func percentiles(_ ps: [Int]) -> [Int64] {
    guard count > 0 else { return ps.map { _ in 0 } }
    // One or two samples (most rows of a log with per-key names) need no array sorted.
    guard count > 2 else { return ps.map(percentile) }
    guard let histogram else {
      let sorted = exactSamples.sorted()
      return ps.map { sorted[Swift.max(1, ($0 * count + 99) / 100) - 1] }
    }
    // One walk of the buckets for every rank asked for (a report asks four of each digest),
    // not one walk each: the ranks are met in ascending order.
    let ranks = ps.map { Swift.max(1, ($0 * count + 99) / 100) }
    var values = [Int64](repeating: max, count: ps.count)
    let order = ranks.indices.sorted { ranks[$0] < ranks[$1] }
    var next = 0
    var seen = 0
    histogram.forEachCount { offset, bucketCount in
      seen += Int(bucketCount)
      while next < order.count && seen >= ranks[order[next]] {
        values[order[next]] = middle(ofBucket: histogram.lowestBucket + offset)
        next += 1
      }
      return next < order.count
    }
    return values
  }

  /// What a percentile falling in `bucket` reports: its midpoint, kept within `min`...`max`.
  private func middle(ofBucket bucket: Int) -> Int64 {
    let (low, width) = LatencyDigest.bounds(ofBucket: bucket)
    return Swift.min(Swift.max(low + (width - 1) / 2, min), max)
  }

  /// The nearest-rank percentile: the ⌈p·n/100⌉-th smallest sample (0 with no samples).
  func percentile(_ p: Int) -> Int64 {
    guard count > 0 else { return 0 }
    let rank = Swift.max(1, (p * count + 99) / 100)
    if count <= 2 { return rank == 1 ? min : max }  // the samples are `min` and `max`
    guard let histogram else { return exactSamples.sorted()[rank - 1] }
    var seen = 0
    var found = max
    histogram.forEachCount { offset, bucketCount in
      seen += Int(bucketCount)
      if seen >= rank { found = middle(ofBucket: histogram.lowestBucket + offset) }
      return seen < rank
    }
    return found
  }

  /// Adds every sample of `other`, as if each had been added here: families of locks and
  /// fleet summaries combine digests this way. Percentiles stay within the same 0.8%.
  mutating func merge(_ other: LatencyDigest) {
    guard other.count > 0 else { return }
    if other.isExact && count + other.count <= LatencyDigest.exactLimit {
      for value in other.exactSamples { add(value) }
      return
    }
    let total = sum + other.sum
    let merged = count + other.count
    let histogram = histogramForAdding()
    if let theirs = other.histogram {
      theirs.forEachCount { offset, bucketCount in
        histogram.add(LatencyDigest.bounds(ofBucket: theirs.lowestBucket + offset).0, times: bucketCount)
        return true
      }
    } else {
      for value in other.exactSamples { histogram.add(value) }
    }
    histogram.sum = total
    histogram.count = merged  // exact, though a full bucket of theirs counted as full
    min = Swift.min(min, other.min)
    max = Swift.max(max, other.max)
  }

  /// The stored form, for fleet summaries (`FleetSummary`): the samples while exact, else
  /// the non-empty buckets as (index, count). Nothing is rounded: reading it back gives a
  /// digest that merges and answers exactly like this one.
  var samples: [Int64] { isExact ? exactSamples : [] }
  var nonEmptyBuckets: [(index: Int, count: UInt32)] {
    guard let histogram else { return [] }
    var buckets: [(index: Int, count: UInt32)] = []
    histogram.forEachCount { offset, count in
      buckets.append((histogram.lowestBucket + offset, count))
      return true
    }
    return buckets
  }

  /// The highest bucket index a non-negative Int64 can fall in.
  static let highestBucket = bucket(of: .max)

  /// A digest rebuilt from its stored form; nil when the parts contradict each other (a
  /// hostile or damaged summary must be refused, never trusted into a trap).
  init?(count: Int, sum: Int128, min: Int64, max: Int64, samples: [Int64], buckets: [(index: Int, count: UInt32)]) {
    guard count >= 0, sum >= 0, min >= 0, max >= 0 else { return nil }
    if count == 0 {
      guard samples.isEmpty, buckets.isEmpty, sum == 0 else { return nil }
      return
    }
    guard min <= max, sum >= Int128(min) * Int128(count), sum <= Int128(max) * Int128(count) else { return nil }
    if count <= LatencyDigest.exactLimit {
      guard buckets.isEmpty, samples.count == count, samples.allSatisfy({ $0 >= min && $0 <= max }),
        samples.reduce(Int128(0), { $0 + Int128($1) }) == sum, samples.min() == min, samples.max() == max
      else { return nil }
      // One or two samples are kept as `min` and `max` alone (see `add`).
      if count == 2 {
        maxAndPair = .min
      } else if count > 2 {
        store = SampleStore(exact: samples)
      }
    } else {
      guard samples.isEmpty, !buckets.isEmpty else { return nil }
      var total = 0
      var previous = -1
      for (index, bucketCount) in buckets {
        guard index > previous, index <= LatencyDigest.highestBucket, bucketCount > 0 else { return nil }
        previous = index
        total += Int(bucketCount)
      }
      guard total == count else { return nil }
      var counts = [UInt32](repeating: 0, count: previous - buckets[0].index + 1)
      for (index, bucketCount) in buckets { counts[index - buckets[0].index] = bucketCount }
      let made = SampleStore(lowest: buckets[0].index, counts: counts)
      made.sum = sum
      made.count = count
      store = made
    }
    self.min = min
    self.max = max
  }

  /// How many samples are at most `bound` (a bucket counts by its midpoint): the cumulative
  /// counts of Prometheus `_bucket` series.
  func count(atMost bound: Int64) -> Int {
    guard let histogram else { return exactSamples.reduce(0) { $0 + ($1 <= bound ? 1 : 0) } }
    var seen = 0
    histogram.forEachCount { offset, bucketCount in
      let (low, width) = LatencyDigest.bounds(ofBucket: histogram.lowestBucket + offset)
      if Swift.min(Swift.max(low + (width - 1) / 2, min), max) <= bound { seen += Int(bucketCount) }
      return true
    }
    return seen
  }

  /// The bucket of a non-negative value.
  @inline(__always)
  static func bucket(of value: Int64) -> Int {
    if value < linearLimit { return Int(value) }
    let exponent = 63 - value.leadingZeroBitCount  // >= 7
    let sub = Int(value >> (exponent - subBucketBits)) & ((1 << subBucketBits) - 1)
    return Int(linearLimit) + (exponent - 7) * (1 << subBucketBits) + sub
  }

  /// The lowest value and the width of a bucket.
  static func bounds(ofBucket index: Int) -> (Int64, Int64) {
    if index < Int(linearLimit) { return (Int64(index), 1) }
    let exponent = (index - Int(linearLimit)) / (1 << subBucketBits) + 7
    let sub = Int64((index - Int(linearLimit)) % (1 << subBucketBits))
    let width = Int64(1) << (exponent - subBucketBits)
    return (((1 << subBucketBits) + sub) * width, width)
  }
}

/// A digest's samples from the third on: exact while there are at most `exactLimit` of
/// them, then a log-linear histogram of them; with their count and exact sum either way. A
/// reference, so digests with one or two samples carry only a null pointer
/// (`LatencyDigest` copies it before changing a shared one).
///
/// The counts live in memory the object manages itself, not in an array: an add reads the
/// object and one count, with no array header to load and no uniqueness test of its own
/// (the digest already made sure it holds the only reference). A busy agent's histograms
/// take a sample for most events.
///
/// Counts are 16 bits wide until one would pass 65,535, then all of them 32 (`isWide`): a
/// digest spans some 1,500 buckets (a microsecond to ten seconds), most of them holding a
/// few samples, so half the bytes are half the cache lines missed and half the memory.
private final class SampleStore: @unchecked Sendable {
  /// Every sample counted, exactly (a full bucket stays full; this does not).
  var count = 0
  var sum: Int128 = 0
  /// Whether the samples are counted in buckets (`exact` is then empty).
  private(set) var isHistogram = false
  /// The exact samples in the order they were kept (the digest's `min` and `max` first),
  /// until the histogram is made from them: `count` of them in room for `exactCapacity`,
  /// memory the object manages (as it does the counts), so that keeping one calls nothing.
  private var exactStorage: UnsafeMutablePointer<Int64>?
  private var exactCapacity = 0

  /// The exact samples (none once the samples are in buckets).
  var exact: UnsafeBufferPointer<Int64> {
    UnsafeBufferPointer(start: exactStorage, count: isHistogram ? 0 : count)
  }
  /// The first bucket counted: the counts in use are those of `lowestBucket ..< lowestBucket
  /// + used`.
  private(set) var lowestBucket = 0
  /// Buckets in use (from `lowestBucket` to the highest one counted).
  private var used = 0
  /// Room for `capacity` counts from bucket `base` (at most `base ... lowestBucket` and past
  /// the highest are spare, so growing by a bucket or two does not reallocate each time).
  private var base = 0
  private var capacity = 0
  /// The counts, `UInt16` or (`isWide`) `UInt32` each, read and written as raw bytes.
  private var storage: UnsafeMutableRawPointer?
  private var isWide = false

  init() {}

  /// A store of these exact samples (at most `exactLimit`).
  init(exact samples: [Int64]) {
    for sample in samples { keepExact(sample) }
  }

  /// A histogram of the given counts from bucket `lowest` on (a stored summary read back).
  init(lowest: Int, counts: [UInt32]) {
    isHistogram = true
    lowestBucket = lowest
    base = lowest
    isWide = counts.contains { $0 > UInt16.max }
    if !counts.isEmpty {
      let made = SampleStore.allocate(counts.count, wide: isWide)
      for (offset, count) in counts.enumerated() { SampleStore.store(count, at: offset, in: made, wide: isWide) }
      (storage, used, capacity) = (made, counts.count, counts.count)
    }
  }

  deinit {
    storage?.deallocate()
    exactStorage?.deallocate()
  }

  /// Calls `body` with each non-empty bucket in use, in order — its offset from
  /// `lowestBucket` and its count — until it returns false. One test of the width, then a
  /// plain walk of counts of that width.
  @inline(__always)
  func forEachCount(_ body: (_ offset: Int, _ count: UInt32) -> Bool) {
    guard let storage, used > 0 else { return }
    let first = lowestBucket - base
    if isWide {
      SampleStore.walk(storage.assumingMemoryBound(to: UInt32.self) + first, used, body)
    } else {
      SampleStore.walk(storage.assumingMemoryBound(to: UInt16.self) + first, used, body)
    }
  }

  @inline(__always)
  private static func walk<Count: FixedWidthInteger & UnsignedInteger>(
    _ counts: UnsafeMutablePointer<Count>, _ used: Int, _ body: (Int, UInt32) -> Bool
  ) {
    for offset in 0..<used where counts[offset] != 0 {
      if !body(offset, UInt32(counts[offset])) { return }
    }
  }

  /// The same counts in memory of its own (at the same width).
  func copy() -> SampleStore {
    let copy = SampleStore()
    (copy.count, copy.sum, copy.isHistogram) = (count, sum, isHistogram)
    (copy.lowestBucket, copy.used, copy.isWide) = (lowestBucket, used, isWide)
    if let exactStorage {
      copy.exactStorage = UnsafeMutablePointer<Int64>.allocate(capacity: exactCapacity)
      copy.exactStorage!.initialize(from: exactStorage, count: count)
      copy.exactCapacity = exactCapacity
    }
    if let storage {
      let made = SampleStore.allocate(capacity, wide: isWide)
      made.copyMemory(from: storage, byteCount: capacity * SampleStore.width(isWide))
      (copy.storage, copy.base, copy.capacity) = (made, base, capacity)
    }
    return copy
  }

  /// The exact samples into buckets (`min` and `max` are theirs, so their room is made
  /// at once); the count stays.
  func makeHistogram(min: Int64, max: Int64) {
    let samples = exact
    let kept = count
    isHistogram = true
    if !samples.isEmpty { reserve(LatencyDigest.bucket(of: min), LatencyDigest.bucket(of: max)) }
    for sample in samples { add(sample) }
    count = kept
    exactStorage?.deallocate()
    (exactStorage, exactCapacity) = (nil, 0)
  }

  /// Keeps an exact sample (there are fewer than `exactLimit`), with room for twice as
  /// many when the memory is full (eight at first).
  func keepExact(_ value: Int64) {
    if count == exactCapacity {
      let capacity = Swift.min(LatencyDigest.exactLimit, Swift.max(8, 2 * exactCapacity))
      let made = UnsafeMutablePointer<Int64>.allocate(capacity: capacity)
      if let exactStorage {
        made.moveInitialize(from: exactStorage, count: count)
        exactStorage.deallocate()
      }
      (exactStorage, exactCapacity) = (made, capacity)
    }
    (exactStorage! + count).initialize(to: value)
    count += 1
    sum += Int128(value)
  }

  /// Counts `value` and its sum when there is room: an exact sample while there are fewer
  /// than `exactLimit`, else one whose bucket is in use. False (nothing changed) otherwise.
  @inline(__always)
  func addIfRoom(_ value: Int64) -> Bool {
    if isHistogram { return addWithinBuckets(value) }
    guard count < exactCapacity else { return false }
    exactStorage.unsafelyUnwrapped[count] = value
    count += 1
    sum += Int128(value)
    return true
  }

  /// Counts `value` (not its sum) `times` times; a full bucket stays full.
  @inline(__always)
  func add(_ value: Int64, times: UInt32 = 1) {
    count += Int(times)
    let index = LatencyDigest.bucket(of: value)
    if _slowPath(!isInUse(index)) { include(index) }  // also when empty
    bump(index, by: times)
  }

  /// Counts `value` and its sum when its bucket is among those in use; false (nothing
  /// changed) otherwise. Calls nothing in the common case, so a caller holding the
  /// histogram need not retain it.
  @inline(__always)
  func addWithinBuckets(_ value: Int64) -> Bool {
    let index = LatencyDigest.bucket(of: value)
    guard isInUse(index) else { return false }
    count += 1
    sum += Int128(value)
    bump(index, by: 1)
    return true
  }

  /// Whether bucket `index` is among those in use (none while empty).
  @inline(__always)
  private func isInUse(_ index: Int) -> Bool { index >= lowestBucket && index < lowestBucket + used }

  /// Adds `times` to bucket `index`, which is in use; a full bucket stays full.
  @inline(__always)
  private func bump(_ index: Int, by times: UInt32) {
    let offset = index - base  // in use: allocated
    if !isWide {
      let total = UInt32(storage!.load(fromByteOffset: offset * 2, as: UInt16.self)).addingReportingOverflow(times)
      if _fastPath(!total.overflow && total.partialValue <= UInt16.max) {
        storage!.storeBytes(of: UInt16(truncatingIfNeeded: total.partialValue), toByteOffset: offset * 2, as: UInt16.self)
        return
      }
      widen()
    }
    let (total, overflow) = storage!.load(fromByteOffset: offset * 4, as: UInt32.self).addingReportingOverflow(times)
    storage!.storeBytes(of: overflow ? .max : total, toByteOffset: offset * 4, as: UInt32.self)
  }

  /// Every count to 32 bits: one is about to pass 16.
  @inline(never)
  private func widen() {
    guard let old = storage, !isWide else { return }
    let made = SampleStore.allocate(capacity, wide: true)
    for offset in 0..<capacity {
      SampleStore.store(UInt32(old.load(fromByteOffset: offset * 2, as: UInt16.self)), at: offset, in: made, wide: true)
    }
    old.deallocate()
    (storage, isWide) = (made, true)
  }

  /// Makes room for buckets `low ... high` at once (a histogram made from the exact samples,
  /// whose extremes the digest knows), so their adds move nothing.
  func reserve(_ low: Int, _ high: Int) {
    guard storage == nil else { return }
    (storage, base, capacity) = (SampleStore.allocate(high - low + 1, wide: isWide), low, high - low + 1)
  }

  /// Widens the buckets in use to include `index`, moving them to a larger allocation when
  /// the room does not reach: then with at least an octave (or half as much again) spare on
  /// the side that grew, up to the highest bucket there is. Spare counts are zero: they
  /// were made so and never counted.
  @inline(never)
  private func include(_ index: Int) {
    let (low, high) = used == 0 ? (index, index) : (Swift.min(lowestBucket, index), Swift.max(lowestBucket + used - 1, index))
    if let old = storage, low < base || high >= base + capacity {
      let grow = Swift.max(1 << LatencyDigest.subBucketBits, (high - low + 1) / 2)
      let newBase = low < base ? Swift.max(0, low - grow) : base
      let newEnd = high >= base + capacity ? Swift.min(LatencyDigest.highestBucket + 1, high + 1 + grow) : base + capacity
      let width = SampleStore.width(isWide)
      let made = SampleStore.allocate(newEnd - newBase, wide: isWide)
      (made + (base - newBase) * width).copyMemory(from: old, byteCount: capacity * width)
      old.deallocate()
      (storage, base, capacity) = (made, newBase, newEnd - newBase)
    } else if storage == nil {
      reserve(low, high)
    }
    (lowestBucket, used) = (low, high - low + 1)
  }

  private static func width(_ wide: Bool) -> Int { wide ? 4 : 2 }

  /// Room for `count` counts of the width, all zero (the memory bound to that width's type,
  /// which `forEachCount` reads it as).
  private static func allocate(_ count: Int, wide: Bool) -> UnsafeMutableRawPointer {
    let made = UnsafeMutableRawPointer.allocate(byteCount: count * width(wide), alignment: 4)
    if wide {
      made.initializeMemory(as: UInt32.self, repeating: 0, count: count)
    } else {
      made.initializeMemory(as: UInt16.self, repeating: 0, count: count)
    }
    return made
  }

  private static func store(_ count: UInt32, at offset: Int, in counts: UnsafeMutableRawPointer, wide: Bool) {
    if wide {
      counts.storeBytes(of: count, toByteOffset: offset * 4, as: UInt32.self)
    } else {
      counts.storeBytes(of: UInt16(count), toByteOffset: offset * 2, as: UInt16.self)
    }
  }
}
