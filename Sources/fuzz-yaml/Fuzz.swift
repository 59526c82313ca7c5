import FuzzChecks

#if FUZZING
    /// libFuzzer's entry point (scripts/fuzz builds this with -sanitize=fuzzer,address -DFUZZING).
    @_cdecl("LLVMFuzzerTestOneInput")
    public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
        do {
            try FuzzChecks.yaml(Array(UnsafeBufferPointer(start: data, count: size)))
        } catch {
            fatalError("\(error)")
        }
        return 0
    }

    /// libFuzzer's driver, called from the entry point SwiftPM gives every executable (it renames
    /// `main` to `<module>_main`, so libFuzzer's own `main` is never linked).
    @_silgen_name("LLVMFuzzerRunDriver")
    func runDriver(
        _ argc: UnsafeMutablePointer<CInt>,
        _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
        _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt
    ) -> CInt

    @_cdecl("fuzz_yaml_main")
    public func fuzzMain(
        _ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
    ) -> CInt {
        var argc = argc
        var argv = argv
        return runDriver(&argc, &argv, fuzzOneInput)
    }
#else
    import Foundation

    /// Without the fuzzer: replays the inputs named on the command line (a crash's input, a corpus).
    @main
    struct Replay {
        static func main() throws {
            for path in CommandLine.arguments.dropFirst() {
                try FuzzChecks.yaml(Array(try Data(contentsOf: URL(fileURLWithPath: path))))
            }
        }
    }
#endif
