/// A board target as Zephyr's hardware model v2 names it: `nrf9161dk/nrf9161/ns`.
public struct BoardTarget: Sendable, Equatable {
    /// `nrf9161dk/nrf9161/ns`.
    public var target: String
    /// `nrf9161dk`.
    public var name: String
    /// `/nrf9161/ns`.
    public var qualifiers: String
    /// `nrf9161dk_nrf9161_ns`.
    public var normalized: String
    /// The board's directory relative to the application, e.g. `boards/nordic/nrf9161dk`.
    public var directory: String

    /// Finds `boards/<vendor>/<name>/` holding `<normalized>_defconfig` in the application directory.
    public static func resolve(_ target: String, appDirectory: String) throws -> BoardTarget {
        let parts = target.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        let name = parts[0]
        let normalized = parts.joined(separator: "_")
        let root = FileSystem.absolute(appDirectory)
        for vendor in FileSystem.list(FileSystem.join(root, "boards"), directoriesOnly: true).sorted() {
            let directory = "boards/\(vendor)/\(name)"
            if FileSystem.lexists(FileSystem.join(root, "\(directory)/\(normalized)_defconfig")) {
                return BoardTarget(
                    target: target, name: name, qualifiers: parts.dropFirst().map { "/" + $0 }.joined(),
                    normalized: normalized, directory: directory)
            }
        }
        let known = Self.available(appDirectory: appDirectory)
        throw KconfigError(
            "board '\(target)' not found in \(FileSystem.join(root, "boards")); boards here: \(known.isEmpty ? "none" : known.joined(separator: ", "))")
    }

    /// Every board target the application defines (from its `*_defconfig` files), sorted.
    public static func available(appDirectory: String) -> [String] {
        let root = FileSystem.absolute(appDirectory)
        var targets: [String] = []
        for vendor in FileSystem.list(FileSystem.join(root, "boards"), directoriesOnly: true) {
            let vendorDirectory = FileSystem.join(root, "boards/\(vendor)")
            for board in FileSystem.list(vendorDirectory, directoriesOnly: true) {
                let boardDirectory = FileSystem.join(vendorDirectory, board)
                let yaml = FileSystem.join(boardDirectory, "board.targets")
                if case .success(let bytes) = FileSystem.read(yaml, limit: KconfigLimits.default.maximumFileBytes) {
                    targets += Bytes.string(bytes).split(separator: "\n").map { String($0).pythonStripped }.filter { !$0.isEmpty && !$0.hasPrefix("#") }
                }
            }
        }
        return targets.sorted()
    }

    /// The environment the Kconfig tree reads these from, as Zephyr's build exports them.
    public var environment: [String: String] {
        [
            "BOARD": self.name, "BOARD_TARGET": self.target, "BOARD_QUALIFIERS": self.qualifiers,
            "NORMALIZED_BOARD_TARGET": self.normalized, "BOARD_DIR": self.directory,
        ]
    }
}

/// What a Zephyr build does with Kconfig (Zephyr's `scripts/kconfig/kconfig.py` `main()`, fed the fragments in the
/// order of `cmake/modules/kconfig.cmake`): parse the tree, merge the fragments in order, run kconfig.py's checks,
/// evaluate everything, and abort on any warning ("Aborting due to Kconfig warnings").
public struct ZephyrKconfigBuild {
    public var appDirectory: String
    public var board: BoardTarget?
    /// `EXTRA_CONF_FILE` fragments, in order.
    public var extraFragments: [String]
    /// `-DCONFIG_X=V` assignments, each a fragment line `CONFIG_X=V`, loaded last.
    public var assignments: [String]
    /// Extra environment for `$(VAR)`; the board's variables are added.
    public var environment: [String: String]
    /// What the engine may read and how deep it may recurse.
    public var limits: KconfigLimits

    public init(
        appDirectory: String, board: BoardTarget? = nil, extraFragments: [String] = [], assignments: [String] = [],
        environment: [String: String] = [:], limits: KconfigLimits = .default
    ) {
        self.appDirectory = appDirectory
        self.board = board
        self.extraFragments = extraFragments
        self.assignments = assignments
        self.environment = environment
        self.limits = limits
    }

    /// The fragments in Zephyr's merge order, relative to the application where they are inside it.
    public var fragments: [String] {
        let root = FileSystem.absolute(self.appDirectory)
        var list: [String] = []
        if let board {
            let defconfig = "\(board.directory)/\(board.normalized)_defconfig"
            if FileSystem.lexists(FileSystem.join(root, defconfig)) { list.append(defconfig) }
        }
        list.append("prj.conf")
        if let board, FileSystem.lexists(FileSystem.join(root, "boards/\(board.normalized).conf")) {
            list.append("boards/\(board.normalized).conf")
        }
        for extra in self.extraFragments {
            let absolute = FileSystem.absolute(extra)
            let prefix = root.hasSuffix("/") ? root : root + "/"
            list.append(absolute.hasPrefix(prefix) ? String(absolute.dropFirst(prefix.count)) : extra)
        }
        return list
    }

    public func run() -> ZephyrKconfigOutcome {
        var environment = self.environment
        if let board { environment.merge(board.environment) { _, new in new } }
        let kconfig: Kconfig
        do {
            kconfig = try Kconfig(rootDirectory: self.appDirectory, environment: environment, limits: self.limits)
        } catch {
            return ZephyrKconfigOutcome(failure: error)
        }
        let parseCount = kconfig.warnings.count
        kconfig.warnAssignUndef = true
        kconfig.warnAssignOverride = false
        kconfig.warnAssignRedun = false
        let root = kconfig.rootDirectory
        do {
            for (index, fragment) in self.fragments.enumerated() {
                let path = fragment.hasPrefix("/") ? fragment : FileSystem.join(root, fragment)
                try kconfig.loadConfig(path, displayName: fragment, replace: index == 0)
            }
            if !self.assignments.isEmpty {
                let text = self.assignments.joined(separator: "\n") + "\n"
                try kconfig.loadConfig(bytes: Array(text.utf8), displayName: "<command line>", replace: false)
            }
        } catch {
            return ZephyrKconfigOutcome(failure: error, kconfig: kconfig)
        }
        let loadCount = kconfig.warnings.count
        let config = kconfig.configText()
        let autoconf = kconfig.autoconfText()
        let checks = kconfig.zephyrChecks()
        // Values past the evaluation limit were taken as n: the run is refused rather than reported wrong.
        if let error = kconfig.limitError { return ZephyrKconfigOutcome(failure: error, kconfig: kconfig) }
        let warnings = kconfig.warnings
        var outcome = ZephyrKconfigOutcome(
            kconfig: kconfig, error: nil,
            parseWarnings: Array(warnings[..<parseCount]), loadWarnings: Array(warnings[parseCount..<loadCount]),
            evaluationWarnings: Array(warnings[loadCount...]), checks: checks, configText: config, autoconfText: autoconf)
        outcome.locatedWarnings = kconfig.locatedWarnings(0..<warnings.count)
        return outcome
    }
}

/// The result of a Zephyr Kconfig run.
public struct ZephyrKconfigOutcome {
    public var kconfig: Kconfig?
    /// A fatal `KconfigError` (syntax error, missing file, dependency loop, unreadable fragment).
    public var error: String?
    public var parseWarnings: [String] = []
    public var loadWarnings: [String] = []
    public var evaluationWarnings: [String] = []
    public var checks: [ZephyrCheck] = []
    /// The warnings with the fragment line they concern, for people (the raw texts are kconfiglib's).
    public var locatedWarnings: [String] = []
    public var configText = ""
    public var autoconfText = ""

    /// Where an error without `FILE:LINE` in its text happened.
    public var errorLocation: String?
    /// The `KconfigLimits` bound the input went over, when that is what failed.
    public var exceededLimit: KconfigLimit?

    init(failure: any Error, kconfig: Kconfig? = nil) {
        self.error = "\(failure)".pythonStripped
        self.errorLocation = (failure as? KconfigError)?.location
        self.exceededLimit = (failure as? KconfigError)?.limit
        self.kconfig = kconfig
    }

    init(
        kconfig: Kconfig, error: String?, parseWarnings: [String], loadWarnings: [String], evaluationWarnings: [String],
        checks: [ZephyrCheck], configText: String, autoconfText: String
    ) {
        self.kconfig = kconfig
        self.error = error
        self.parseWarnings = parseWarnings
        self.loadWarnings = loadWarnings
        self.evaluationWarnings = evaluationWarnings
        self.checks = checks
        self.configText = configText
        self.autoconfText = autoconfText
    }

    public var warnings: [String] { self.parseWarnings + self.loadWarnings + self.evaluationWarnings }

    /// Whether the Zephyr build would abort: an error, any kconfiglib warning, or a fatal kconfig.py check.
    public var isFatal: Bool { self.error != nil || !self.warnings.isEmpty || self.checks.contains { $0.fatal } }

    /// Every problem, in the order a Zephyr build prints them, ending with the abort line when fatal.
    public var diagnostics: [String] {
        if let error {
            if let location = self.errorLocation { return ["\(location): error: the file is not valid UTF-8 text", error] }
            return [error.hasPrefix("error:") || error.contains(": error:") ? error : "error: " + error]
        }
        var lines = self.locatedWarnings + self.checks.map(\.message)
        if !self.warnings.isEmpty {
            lines.append("error: Aborting due to Kconfig warnings")
        } else if self.checks.contains(where: { $0.fatal }) {
            lines.append("error: Aborting due to non-user-configurable symbols being assigned")
        }
        return lines
    }
}
