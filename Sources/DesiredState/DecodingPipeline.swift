import Foundation
import YAML

/// Decodes the items of a large file on a second thread while the reader goes on parsing on this one:
/// libyaml's parse and our decoding each take about a third of `validate`, and this machine class has
/// two cores. Items travel in batches through a bounded queue, so memory stays flat however large the
/// file (the reader waits when the decoder falls behind).
///
/// `@unchecked Sendable`: every mutable property is read and written only while `condition` is held,
/// except `pending` (touched by the producer thread alone) and `decoder` (touched by the worker thread
/// alone until `finish()` has seen `workerDone`, after which the worker never touches it again).
final class DecodingPipeline: @unchecked Sendable {
    private static let batchSize = 512
    private static let maxBatchesInFlight = 8

    private let condition = NSCondition()
    private var queue: [[(key: String, item: Node)]] = []
    private var producerDone = false
    private var workerDone = false
    private var pending: [(key: String, item: Node)] = []
    private var decoder: DocumentDecoder

    init(decoder: DocumentDecoder) {
        self.decoder = decoder
        pending.reserveCapacity(Self.batchSize)
        Thread.detachNewThread { [self] in work() }
    }

    /// Called by the reader for each item, on the producer thread.
    func add(key: String, item: Node) {
        pending.append((key, item))
        if pending.count == Self.batchSize { flush() }
    }

    /// Ends the input, waits for the worker, and hands back the decoder with every item decoded.
    func finish() -> DocumentDecoder {
        flush()
        condition.lock()
        producerDone = true
        condition.broadcast()
        while !workerDone { condition.wait() }
        condition.unlock()
        return decoder
    }

    private func flush() {
        guard !pending.isEmpty else { return }
        condition.lock()
        while queue.count >= Self.maxBatchesInFlight { condition.wait() }
        queue.append(pending)
        condition.broadcast()
        condition.unlock()
        pending = []
        pending.reserveCapacity(Self.batchSize)
    }

    private func work() {
        while true {
            condition.lock()
            while queue.isEmpty && !producerDone { condition.wait() }
            if queue.isEmpty {
                workerDone = true
                condition.broadcast()
                condition.unlock()
                return
            }
            let batch = queue.removeFirst()
            condition.broadcast()
            condition.unlock()
            for (key, item) in batch { decoder.decodeItem(of: key, item) }
        }
    }
}
