import Foundation

/// What each fuzz executable runs: one target's check, as libFuzzer's callback or over files.
public enum FuzzTarget: String, Sendable, CaseIterable {
    case yaml, scim, filter

    /// The check of this target (`FuzzChecks`).
    public func check(_ bytes: [UInt8]) throws(FuzzChecks.Failure) {
        switch self {
        case .yaml: try FuzzChecks.yaml(bytes)
        case .scim: try FuzzChecks.scim(bytes)
        case .filter: try FuzzChecks.filter(bytes)
        }
    }

    /// libFuzzer's callback: a failed check is a crash, so libFuzzer keeps the input.
    public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
        do {
            try check(Array(UnsafeBufferPointer(start: data, count: size)))
        } catch {
            fatalError("\(error)")
        }
        return 0
    }

    /// Without the fuzzer: replays the inputs named on the command line (a crash's input, a corpus).
    public func replay(_ paths: some Sequence<String>) throws {
        for path in paths { try check(Array(try Data(contentsOf: URL(fileURLWithPath: path)))) }
    }
}

#if FUZZING
    /// libFuzzer's driver. The fuzz executables call it from the entry point SwiftPM gives every
    /// executable (it renames `main` to `<module>_main`, so libFuzzer's own `main` is never linked).
    @_silgen_name("LLVMFuzzerRunDriver")
    private func runDriver(
        _ argc: UnsafeMutablePointer<CInt>,
        _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
        _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt
    ) -> CInt

    extension FuzzTarget {
        /// Runs libFuzzer with `callback` (the executable's `LLVMFuzzerTestOneInput`).
        public static func runLibFuzzer(
            _ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
            _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt
        ) -> CInt {
            var argc = argc
            var argv = argv
            return runDriver(&argc, &argv, callback)
        }
    }
#endif
