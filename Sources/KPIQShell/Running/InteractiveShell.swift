import KPIQ

/// The interactive prompt. (A plain line reader for now; line editing comes with libedit.)
public struct InteractiveShell {
    public let context: ShellContext

    public init(context: ShellContext) {
        self.context = context
    }

    public func run() -> Int32 {
        let runner = SourceRunner(context: context)
        var pending = ""
        while !context.quitRequested {
            context.output.write(pending.isEmpty ? "kpiq> " : "  ... ")
            guard let line = readLine() else { break }
            pending += (pending.isEmpty ? "" : "\n") + line
            if !InputCompleteness.isComplete(pending) { continue }
            context.cancel.reset()
            runner.run(pending, name: "query")
            pending = ""
        }
        return 0
    }
}
