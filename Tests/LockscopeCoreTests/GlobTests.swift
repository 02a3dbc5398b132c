import Testing

@testable import LockscopeCore

@Suite("Globs")
struct GlobTests {
  @Test("star, question mark, sets, ranges, negation, escapes")
  func matching() {
    #expect(Glob("db:*").matches("db:users"))
    #expect(Glob("db:*").matches("db:"))
    #expect(!Glob("db:*").matches("cache:db:users"))
    #expect(Glob("*").matches("anything/at:all"))
    #expect(Glob("db/*/rows").matches("db/users/x/rows"))
    #expect(Glob("worker-?").matches("worker-7"))
    #expect(!Glob("worker-?").matches("worker-17"))
    #expect(Glob("shard-[0-3]").matches("shard-2"))
    #expect(!Glob("shard-[0-3]").matches("shard-5"))
    #expect(Glob("shard-[!0-3]").matches("shard-5"))
    #expect(Glob("a\\*").matches("a*"))
    #expect(!Glob("a\\*").matches("ab"))
    #expect(Glob("*a*b*c*").matches("xxaxxbxxcxx"))
    #expect(!Glob("*a*b*c*").matches("xxaxxcxxbxx"))
    #expect(Glob("[").matches("["))
  }
}
