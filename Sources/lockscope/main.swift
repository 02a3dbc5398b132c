import LockscopeCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

exit(LockscopeCLI.run(Array(CommandLine.arguments.dropFirst()), io: .standard()))
