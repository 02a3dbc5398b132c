import Testing

@testable import LockscopeCore

@Suite("Latency digest")
struct LatencyDigestTests {
  func exactPercentile(_ sorted: [Int64], _ p: Int) -> Int64 {
    sorted[max(1, (p * sorted.count + 99) / 100) - 1]
  }

  /// A report row's summary, from the digest's accessors one at a time.
  func expectedSummary(_ digest: LatencyDigest) -> LatencyDigest.Summary {
    LatencyDigest.Summary(
      count: digest.count, sum: digest.sum, mean: digest.mean, p50: digest.percentile(50), p90: digest.percentile(90),
      p95: digest.percentile(95), p99: digest.percentile(99), max: digest.max)
  }

  @Test("a report row's summary equals the accessors one at a time, from 0 samples to past the histogram")
  func summaryMatchesAccessors() {
    var random = SplitMix(seed: 19)
    // Every size up to past the histogram, spread wide, narrow (the linear buckets), and all
    // alike (every rank in one bucket, or one value).
    for size in Array(0...260) + [1_000, 5_000] {
      for range: UInt64 in [9_000_000_000, 300, 1] {
        var digest = LatencyDigest()
        for _ in 0..<size { digest.add(Int64(random.next() % range)) }
        #expect(digest.summary == expectedSummary(digest), "\(size) samples below \(range)")
      }
    }
  }

  @Test("up to 128 samples, percentiles are exact nearest-rank")
  func exact() {
    var digest = LatencyDigest()
    for value in [5, 1, 4, 2, 3] as [Int64] { digest.add(value) }
    #expect(digest.percentile(50) == 3)  // ⌈2.5⌉ = 3rd smallest
    #expect(digest.percentile(90) == 5)
    #expect(digest.percentile(1) == 1)
    #expect(digest.mean == 3 && digest.max == 5 && digest.min == 1 && digest.count == 5)
  }

  @Test("one or two samples (kept as min and max): every percentile is nearest-rank, one at a time or together")
  func oneOrTwoSamples() {
    let ps = Array(0...100)
    for samples in [[7], [9, 2], [4, 4], [0, 1_000_000_000]] as [[Int64]] {
      var digest = LatencyDigest()
      for value in samples { digest.add(value) }
      let expected = ps.map { exactPercentile(samples.sorted(), $0) }
      #expect(ps.map(digest.percentile) == expected)
      #expect(digest.percentiles(ps) == expected)
      #expect(digest.summary == expectedSummary(digest))
    }
    #expect(LatencyDigest().summary == LatencyDigest.Summary())
    #expect(LatencyDigest().summary == expectedSummary(LatencyDigest()))
    // Two samples: p50 is the smaller (rank ⌈1⌉ = 1), p51 the larger (rank ⌈1.02⌉ = 2).
    var two = LatencyDigest()
    two.add(9)
    two.add(2)
    #expect(two.percentiles([50, 51, 99]) == [2, 9, 9])
  }

  @Test("past 128 samples, percentiles asked together (in any order) equal those asked one at a time", arguments: [5, 6])
  func histogramPercentilesTogether(seed: UInt64) {
    var rng = SplitMix(seed: seed)
    var digest = LatencyDigest()
    for _ in 0..<5_000 { digest.add(Int64(rng.next() % 50_000_000)) }
    #expect(!digest.isExact)
    for ps in [[50, 90, 95, 99], [99, 1, 50, 50, 100, 0], Array(0...100).reversed()] {
      #expect(digest.percentiles(ps) == ps.map(digest.percentile), "\(ps)")
    }
    #expect(digest.summary == expectedSummary(digest))
  }

  @Test("past 128 samples every percentile stays within 0.8% of the exact value", arguments: [1, 2, 3, 4])
  func sketchAccuracy(seed: UInt64) {
    var rng = SplitMix(seed: seed)
    var digest = LatencyDigest()
    var samples: [Int64] = []
    for _ in 0..<20_000 {
      // Log-uniform over 1ns … 100s, plus exact zeros: the shapes waits really have.
      let exponent = Double(rng.next() % 1_000_000) / 1_000_000 * 11
      let value = rng.next() % 10 == 0 ? 0 : Int64(pow10(exponent))
      samples.append(value)
      digest.add(value)
    }
    samples.sort()
    #expect(!digest.isExact)
    for p in [1, 50, 90, 95, 99, 100] {
      let exact = exactPercentile(samples, p)
      let approximate = digest.percentile(p)
      let error = exact == 0 ? Double(approximate) : abs(Double(approximate - exact)) / Double(exact)
      #expect(error <= 0.008, "p\(p): exact \(exact), sketch \(approximate)")
    }
    #expect(digest.max == samples.last!)
    #expect(digest.mean == samples.reduce(0, +) / Int64(samples.count))
  }

  @Test(
    "merging digests equals adding every sample to one",
    arguments: [(3, 4), (60, 68), (100, 100), (5, 5000), (3000, 4000), (0, 50), (0, 5000), (5000, 0)])
  func merge(sizes: (Int, Int)) {
    var rng = SplitMix(seed: UInt64(sizes.0 * 7919 + sizes.1))
    var left = LatencyDigest(), right = LatencyDigest(), whole = LatencyDigest()
    var samples: [Int64] = []
    for index in 0..<(sizes.0 + sizes.1) {
      let value = Int64(rng.next() % 5_000_000_000)
      samples.append(value)
      whole.add(value)
      if index < sizes.0 { left.add(value) } else { right.add(value) }
    }
    left.merge(right)
    samples.sort()
    #expect(left.count == whole.count && left.sum == whole.sum)
    #expect(left.min == samples.first! && left.max == samples.last!)
    #expect(left.isExact == (samples.count <= LatencyDigest.exactLimit))
    for p in [1, 50, 95, 99, 100] {
      let exact = exactPercentile(samples, p)
      let merged = left.percentile(p)
      if left.isExact {
        #expect(merged == exact, "p\(p)")
      } else {
        #expect(abs(Double(merged - exact)) / Double(max(exact, 1)) <= 0.008, "p\(p): exact \(exact), merged \(merged)")
      }
    }
  }

  @Test("the histogram counts every bucket however its range grows: up, down, both ends, one bucket at a time")
  func histogramGrowth() {
    let orders: [[Int64]] = [
      (0..<3_000).map { Int64($0) * 997 },  // up, a bucket or so at a time
      (0..<3_000).map { Int64(3_000 - $0) * 997 },  // down
      (0..<3_000).map { $0 % 2 == 0 ? Int64($0) * 1_000_003 : Int64(3_000 - $0) },  // both ends
      (0..<400).map { _ in 5_000_000 } + [0, .max, 1, Int64.max / 3],  // one bucket, then the extremes
    ]
    for samples in orders {
      var digest = LatencyDigest()
      for value in samples { digest.add(value) }
      var expected: [Int: UInt32] = [:]
      for value in samples { expected[LatencyDigest.bucket(of: value), default: 0] += 1 }
      let counted = digest.nonEmptyBuckets
      #expect(counted.map(\.index) == expected.keys.sorted())
      #expect(counted.allSatisfy { expected[$0.index] == $0.count })
      #expect(digest.count == samples.count && digest.sum == samples.reduce(Int128(0)) { $0 + Int128($1) })
    }
  }

  @Test("a bucket past 65,535 samples widens every count: counts, copies, merges and the stored form stay exact")
  func bucketsWiden() throws {
    var digest = LatencyDigest()
    var expected: [Int: UInt32] = [:]
    func add(_ value: Int64, _ times: Int = 1) {
      for _ in 0..<times { digest.add(value) }
      expected[LatencyDigest.bucket(of: value), default: 0] += UInt32(times)
    }
    // Other buckets counted before and after one passes 16 bits.
    for value in stride(from: Int64(1_000), to: 2_000_000_000, by: 7_919_111) { add(value, 3) }
    add(5_000_000, 65_535)
    let narrow = digest  // a copy made while every count still fits 16 bits
    add(5_000_000, 2)
    add(9_000_000_000)
    add(0, 1_000)
    func counts(_ digest: LatencyDigest) -> [Int: UInt32] {
      Dictionary(uniqueKeysWithValues: digest.nonEmptyBuckets.map { ($0.index, $0.count) })
    }
    #expect(counts(digest) == expected)
    #expect(counts(narrow)[LatencyDigest.bucket(of: 5_000_000)] == 65_535 && narrow.count == digest.count - 1_003)
    // Two narrow digests whose sum passes 16 bits in a bucket.
    var merged = narrow
    merged.merge(narrow)
    #expect(counts(merged)[LatencyDigest.bucket(of: 5_000_000)] == 131_070 && merged.count == 2 * narrow.count)
    // Read back from the stored form, a wide count included.
    let stored = try #require(
      LatencyDigest(
        count: digest.count, sum: digest.sum, min: digest.min, max: digest.max, samples: [], buckets: digest.nonEmptyBuckets))
    #expect(counts(stored) == expected && stored.percentiles([50, 99]) == digest.percentiles([50, 99]))
    // A full 32-bit bucket stays full; the count goes on.
    var full = try #require(
      LatencyDigest(
        count: Int(UInt32.max), sum: Int128(UInt32.max) * 7, min: 7, max: 7, samples: [],
        buckets: [(LatencyDigest.bucket(of: 7), UInt32.max)]))
    full.merge(stored)
    #expect(counts(full)[LatencyDigest.bucket(of: 7)] == UInt32.max && full.count == Int(UInt32.max) + digest.count)
  }

  @Test("a copy of a digest does not see samples added to the original, nor the original the copy's")
  func digestIsAValue() {
    // A pair (no store yet), a store's first and full room for exact samples, its last exact
    // sample, and a histogram.
    for size in [2, 3, 8, 16, 128, 200] {
      var original = LatencyDigest()
      for value in 0..<Int64(size) { original.add(value * 1_000) }
      var copy = original
      copy.add(9_000_000_000)
      original.add(1)
      #expect(original.count == size + 1 && original.max == Int64(size - 1) * 1_000)
      #expect(copy.count == size + 1 && copy.max == 9_000_000_000 && copy.min == 0)
      #expect(copy.sum == original.sum - 1 + 9_000_000_000)
      if size < 128 {
        #expect(original.samples.last == 1 && copy.samples.last == 9_000_000_000)
        #expect(original.samples.dropLast() == copy.samples.dropLast())
      }
      #expect(copy.nonEmptyBuckets.map(\.index).contains(LatencyDigest.bucket(of: 9_000_000_000)) == (size + 1 > 128))
      #expect(!original.nonEmptyBuckets.map(\.index).contains(LatencyDigest.bucket(of: 9_000_000_000)))
    }
  }

  @Test("bucket bounds contain their values and are at most 1/64 wide")
  func buckets() {
    for value: Int64 in [0, 1, 127, 128, 129, 1000, 1_000_000, 123_456_789_012, Int64.max / 2] {
      let (low, width) = LatencyDigest.bounds(ofBucket: LatencyDigest.bucket(of: value))
      #expect(low <= value && value < low + width)
      #expect(width == 1 || Double(width) / Double(low) <= 1.0 / 64)
    }
  }

  func pow10(_ x: Double) -> Double {
    var result = 1.0
    var remaining = x
    while remaining >= 1 {
      result *= 10
      remaining -= 1
    }
    return result * (1 + remaining * 9) / 1  // monotone, spreads values across each decade
  }
}
