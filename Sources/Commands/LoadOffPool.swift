public import DesiredState
import Foundation

extension DesiredStateLoader {
    /// Loads on a thread of its own. The loader is synchronous and its decoding pipeline waits on a
    /// condition variable for its worker threads; run on the cooperative pool, that wait would park one
    /// of the pool's few threads (two on these machines) while the listing needs them.
    public static func loadOffPool(paths: [String], today: CalendarDay? = nil) async -> LoadedState {
        await withCheckedContinuation { continuation in
            let thread = Thread {
                var loader = DesiredStateLoader()
                loader.today = today
                continuation.resume(returning: loader.load(paths: paths))
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
    }
}
