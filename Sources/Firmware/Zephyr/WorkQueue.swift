import Dispatch
import SimCore
import Synchronization

/// A Zephyr work queue (`k_work_q`): one thread that runs submitted items in order. Delays are kernel time: under a
/// ``SimCore/TimeScale`` of N a delay of `d` seconds waits `d / N` real seconds.
public final class WorkQueue: Sendable {
    let queue: DispatchQueue
    /// The rate of the kernel clock its delays run on (the firmware's ``Uptime/scale``).
    public let scale: TimeScale
    /// The queue thread's Zephyr name (``KernelThread``): `k_work_queue_start()` names it only when its
    /// configuration has a name.
    public let threadName: String

    /// - Parameters:
    ///   - name: what the queue is (its dispatch label).
    ///   - threadName: its thread's Zephyr name; `name` unless given.
    ///   - scale: the kernel clock's rate (queues whose items are all immediate may keep real time).
    public init(name: String, threadName: String? = nil, scale: TimeScale = .realTime) {
        self.queue = DispatchQueue(label: name)
        self.threadName = threadName ?? name
        self.scale = scale
    }

    /// `k_work_submit_to_queue()`.
    public func submit(_ work: @escaping @Sendable () -> Void) {
        self.queue.async { [threadName] in KernelThread.run(named: threadName, work) }
    }

    /// `k_work_schedule_for_queue()` of an item nobody cancels: runs `work` after `seconds` of kernel time.
    public func submit(after seconds: Double, _ work: @escaping @Sendable () -> Void) {
        self.queue.asyncAfter(deadline: .now() + self.scale.realSeconds(seconds)) { [threadName] in KernelThread.run(named: threadName, work) }
    }
}

/// `struct k_work_delayable`: an item that runs once after a delay; rescheduling replaces the pending run.
public final class DelayableWork: Sendable {
    private let queue: WorkQueue
    private let handler: @Sendable () -> Void
    private let generation = Mutex(0)

    public init(queue: WorkQueue, handler: @escaping @Sendable () -> Void) {
        self.queue = queue
        self.handler = handler
    }

    /// `k_work_reschedule_for_queue()`: runs after `seconds` (0 = at once), cancelling a pending run.
    public func reschedule(seconds: Double) {
        let mine = self.generation.withLock { value -> Int in
            value += 1
            return value
        }
        self.queue.submit(after: seconds) { [self] in
            guard self.generation.withLock({ $0 == mine }) else { return }
            self.handler()
        }
    }
}

/// `struct k_sem`: a counting semaphore with a limit. Its timeouts are kernel time (see ``WorkQueue``).
public final class KSemaphore: Sendable {
    private let semaphore: DispatchSemaphore
    private let count: Mutex<Int>
    private let limit: Int
    private let scale: TimeScale

    /// - Parameter scale: the kernel clock's rate its timeouts run on (real time for waits on a host library's
    ///   thread, which runs on the real clock).
    public init(initial: Int, limit: Int, scale: TimeScale = .realTime) {
        self.semaphore = DispatchSemaphore(value: 0)
        self.count = Mutex(0)
        self.limit = limit
        self.scale = scale
        for _ in 0..<initial { self.give() }
    }

    /// `k_sem_give()`: no effect when the count is at its limit.
    public func give() {
        let given = self.count.withLock { count -> Bool in
            guard count < self.limit else { return false }
            count += 1
            return true
        }
        if given { self.semaphore.signal() }
    }

    /// `k_sem_take()`: nil timeout waits forever. - Returns: false on timeout (`-EAGAIN`).
    public func take(timeoutSeconds: Double? = nil) -> Bool {
        let result: DispatchTimeoutResult =
            timeoutSeconds.map { self.semaphore.wait(timeout: .now() + self.scale.realSeconds($0)) } ?? { self.semaphore.wait(); return .success }()
        guard result == .success else { return false }
        self.count.withLock { $0 -= 1 }
        return true
    }
}
