import Synchronization

/// Values kept until the process ends. A plan of 100,000 users holds a large graph of small objects
/// (the live snapshot, the desired state); freeing it object by object when a command returns costs
/// a third of a second for nothing, since the process ends right after. Held here, they go with the
/// process.
enum ProcessLifetime {
    private static let held = Mutex<[any Sendable]>([])

    static func keep(_ value: any Sendable) {
        held.withLock { $0.append(value) }
    }
}
