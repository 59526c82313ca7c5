import FuzzChecks

// The yaml fuzz target: scripts/fuzz builds it with -sanitize=fuzzer,address -DFUZZING; without, it
// replays the files named on its command line.
#if FUZZING
    @_cdecl("LLVMFuzzerTestOneInput")
    public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt { FuzzTarget.yaml.fuzz(data, size) }

    @_cdecl("fuzz_yaml_main")
    public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
        FuzzTarget.runLibFuzzer(argc, argv, fuzzOneInput)
    }
#else
    @main struct Replay { static func main() throws { try FuzzTarget.yaml.replay(CommandLine.arguments.dropFirst()) } }
#endif
