import FuzzChecks

// The filter fuzz target: scripts/fuzz builds it with -sanitize=fuzzer,address -DFUZZING; without, it
// replays the files named on its command line.
#if FUZZING
    @_cdecl("LLVMFuzzerTestOneInput")
    public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt { FuzzTarget.filter.fuzz(data, size) }

    @_cdecl("fuzz_filter_main")
    public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
        FuzzTarget.runLibFuzzer(argc, argv, fuzzOneInput)
    }
#else
    @main struct Replay {
        static func main() throws { try FuzzTarget.filter.replay(CommandLine.arguments.dropFirst()) }
    }
#endif
