/// The Zephyr thread the calling code runs in, as `k_current_get()` and `k_thread_name_get()` tell it; the console's
/// `CONFIG_LOG_THREAD_ID_PREFIX` prints its name. The board's threads run their bodies under their Zephyr names with
/// ``run(named:_:)``, and a ``WorkQueue``'s items run under the queue's.
public enum KernelThread {
    /// The current thread's name (`""` for a thread that was given none); nil outside the board's threads.
    @TaskLocal public static var name: String?

    /// Runs `body` as the thread `name`.
    public static func run(named name: String, _ body: () -> Void) {
        self.$name.withValue(name, operation: body)
    }
}
