import KPIQ

/// Tab completion that knows where the cursor is in a statement: statement words at the
/// start, step words after `|`, dataset names after `from`/`join`/`union`, columns of the
/// datasets in scope, metrics and functions in expressions, dot commands and their
/// arguments, and file paths inside `load "…` or after `.read`. Pure: no terminal, no editor.
package struct Completer {
    package var vocabulary: any CompletionVocabulary
    package var files: DirectoryListing

    package init(vocabulary: any CompletionVocabulary, files: DirectoryListing = DirectoryListing()) {
        self.vocabulary = vocabulary
        self.files = files
    }

    /// Completion for a cursor at byte `cursor` (UTF-8) of `line`, where `previousLines` holds
    /// the earlier lines of an unfinished statement (empty at the main prompt).
    package func complete(line: String, cursor: Int, previousLines: String = "") -> Completion? {
        let bytes = Array(line.utf8)
        let prefix = String(decoding: bytes[0..<min(max(cursor, 0), bytes.count)], as: UTF8.self)
        return complete(previousLines.isEmpty ? prefix : previousLines + "\n" + prefix)
    }

    /// Completion for everything typed before the cursor. Nil when there is nothing to
    /// complete there (in a comment, a number, an ordinary string).
    package func complete(_ text: String) -> Completion? {
        let lineStart = text.lastIndex(of: "\n").map { text.index(after: $0) } ?? text.startIndex
        let line = text[lineStart...].drop { $0 == " " || $0 == "\t" }
        let earlier = String(text[..<lineStart])
        if line.hasPrefix("."), line.dropFirst().first?.isLetter ?? true, InputCompleteness.isComplete(earlier) {
            return dotCommand(line)
        }
        return statement(text)
    }

    // MARK: - Statements

    private func statement(_ text: String) -> Completion? {
        let (tokens, inComment) = CompletionScanner.scan(text)
        if inComment { return nil }
        var before = Array(CompletionScanner.currentStatement(tokens))
        var word = ""
        var inBackQuotes = false
        var spaceFirst = false
        if let last = before.last, last.atEnd {
            switch last.kind {
            case .word:
                word = last.text
                before.removeLast()
            case .quotedName where !last.closed:
                word = last.text
                inBackQuotes = true
                before.removeLast()
            case .string where !last.closed:
                before.removeLast()
                return stringContent(last.text, before: before)
            case .symbol:
                // `from t |` then Tab: the step word needs a space before it.
                spaceFirst = last.text == "|"
            default:
                return nil
            }
        }
        if word.contains("\n") { return nil }
        if before.count == 1, word.isEmpty, !spaceFirst, ["load", "export", "save", "open"].contains(where: before[0].isWord) {
            // `load ` Tab: open the quotes and list files.
            let candidates = files.candidates(for: "", fileSuffix: "\"").map { c in
                var c = c
                c.text = "\"" + c.text
                return c
            }
            return Completion(word: "", candidates: sorted(candidates))
        }
        let choices = statementChoices(before: before, word: word)
        guard let choices else { return nil }
        var candidates = match(choices, word: word, inBackQuotes: inBackQuotes)
        if spaceFirst {
            candidates = candidates.map { var c = $0; c.text = " " + c.text; return c }
        }
        return Completion(word: word, candidates: candidates)
    }

    /// A name offered in some context, before matching against the typed word.
    struct Choice {
        var name: String
        var kind: CompletionCandidate.Kind
        var suffix = " "
    }

    /// What may come at this point of a statement; nil when nothing can be suggested (a new
    /// name is being made up).
    private func statementChoices(before: [CompletionScanner.Token], word: String) -> [Choice]? {
        guard before.first != nil else {
            return LanguageWords.statements.map { Choice(name: $0, kind: .keyword) }
        }
        let statement = Self.kpiStatement(before)
        let start = statement.first.map { $0.kind == .word ? $0.text.lowercased() : "" } ?? ""
        let previous = before[before.count - 1]
        let beforePrevious = before.count >= 2 ? before[before.count - 2] : nil
        let datasets = vocabulary.datasetNames.map { Choice(name: $0, kind: .dataset) }
        let metrics = vocabulary.metricNames.map { Choice(name: $0, kind: .metric) }

        if previous.isSymbol("|") {
            return LanguageWords.steps.map { Choice(name: $0, kind: .step) }
        }
        if previous.isSymbol("."), let owner = beforePrevious, owner.kind == .word || owner.kind == .quotedName {
            // `dataset.column` (in `set time`, `relate`).
            return vocabulary.columnNames(of: owner.text).map { Choice(name: $0, kind: .column) }
        }
        if previous.kind == .word {
            switch previous.text.lowercased() {
            case "from", "union":
                return datasets
            case "join":
                return datasets + LanguageWords.joinKinds.map { Choice(name: $0, kind: .keyword) }
            case "left" where beforePrevious?.isWord("join") == true,
                "inner" where beforePrevious?.isWord("join") == true:
                return datasets
            case "on" where before.contains(where: { $0.isWord("join") }):
                // `join X on KEY`: a join key is a column of the datasets joined, nothing else.
                return columnChoices(before: before)
            case "over" where start == "show":
                return LanguageWords.grains.map { Choice(name: $0, kind: .keyword) }
            case "during" where start == "show" || start == "funnel":
                return LanguageWords.rangeStarts.map { Choice(name: $0, kind: .keyword) }
            case "last" where start == "show" && beforePrevious?.isWord("during") == true,
                "this" where start == "show" && beforePrevious?.isWord("during") == true,
                "previous" where start == "show" && beforePrevious?.isWord("during") == true:
                return LanguageWords.grains.map { Choice(name: $0, kind: .keyword) }
            case "vs" where start == "show":
                return [Choice(name: "previous", kind: .keyword)]
            case "previous" where start == "show" && (beforePrevious?.isWord("vs") == true || beforePrevious?.isSymbol(",") == true):
                return ["period", "year"].map { Choice(name: $0, kind: .keyword) }
            case "period" where start == "show" && beforePrevious?.isWord("previous") == true,
                "year" where start == "show" && beforePrevious?.isWord("previous") == true:
                // `vs previous period` then `whole` (all of a period cut short), or the next clause.
                return [Choice(name: "whole", kind: .keyword)] + LanguageWords.showClauses.map { Choice(name: $0, kind: .keyword) }
            case "with" where start == "show":
                return ["n", "ci", "total"].map { Choice(name: $0, kind: .keyword) }
            case "with" where start == "cohort":
                return [Choice(name: "churn", kind: .keyword)]
            case "each" where start == "funnel":
                return [Choice(name: "within", kind: .keyword)]
            case "per" where start == "target":
                return LanguageWords.grains.map { Choice(name: $0, kind: .keyword) }
            default:
                break
            }
        }
        if statement.count == 1 {
            switch start {
            case "let", "metric", "load", "export":
                return nil
            case "drop":
                return datasets + metrics
            case "target":
                return metrics
            case "set":
                return [Choice(name: "time", kind: .keyword)]
            case "as":
                return [Choice(name: "of", kind: .keyword)]
            case "funnel", "relate", "use":
                return start == "use" ? ["kpis", "benchmarks"].map { Choice(name: $0, kind: .keyword) } : datasets
            default:
                break
            }
        }
        if start == "set", before.count == 2, previous.isWord("time") { return datasets }
        if start == "as", before.count == 2, previous.isWord("of") { return [Choice(name: "today", kind: .keyword)] }
        if start == "relate", previous.isSymbol("->") { return datasets }
        if start == "funnel", previous.isSymbol("->"), statement.contains(where: { $0.isWord("per") }) {
            // An event funnel's step: a condition, or `from DATASET` for rows of another one.
            return [Choice(name: "from", kind: .keyword)] + expressionChoices(before: before)
        }
        if previous.isWord("as") {
            if start == "metric" {
                return ["count", "percent", "money", "days", "number"].map { Choice(name: $0, kind: .keyword) }
            }
            if start == "load" { return nil }
        }
        if start == "show", previous.kind == .word || previous.isSymbol(")"), !previous.isWord("by"), !previous.isWord("where"),
            !previous.isWord("sort")
        {
            // After a metric or a dimension: the next clause, or more of the list.
            return LanguageWords.showClauses.map { Choice(name: $0, kind: .keyword) } + expressionChoices(before: before)
        }
        return expressionChoices(before: before)
    }

    /// The tokens of the statement whose clauses are being typed: `show ...` also after
    /// `let name =`, so that its clauses complete there too. Once a `|` ends a KPI statement's
    /// clauses, what follows are pipeline steps, and no KPI statement is being typed.
    static func kpiStatement(_ before: [CompletionScanner.Token]) -> ArraySlice<CompletionScanner.Token> {
        var tokens = before[...]
        if before.count >= 4, before[0].isWord("let"), before[2].isSymbol("="),
            ["show", "funnel", "cohort"].contains(where: { before[3].isWord($0) })
        {
            tokens = before.dropFirst(3)
        }
        if let first = tokens.first, ["show", "funnel", "cohort"].contains(where: { first.isWord($0) }),
            tokens.contains(where: { $0.isSymbol("|") })
        {
            return []
        }
        return tokens
    }

    /// Columns of the datasets the statement reads (all columns when it names none that are
    /// loaded), names the statement defines (`derive x = …`), metrics where they can be used
    /// (not in a pipeline over a dataset, whose steps see its columns only) and functions.
    private func expressionChoices(before: [CompletionScanner.Token]) -> [Choice] {
        let metrics = Self.isDatasetPipeline(before) ? [] : vocabulary.metricNames.map { Choice(name: $0, kind: .metric) }
        // Window functions where a step computes them: `derive`, `where`.
        let step = before.lastIndex { $0.isSymbol("|") }.flatMap { $0 + 1 < before.count ? before[$0 + 1] : nil }
        let windows = step.map { $0.isWord("derive") || $0.isWord("where") } == true ? FunctionVocabulary.windowFunctions : []
        return columnChoices(before: before) + metrics
            + (LanguageWords.functions + windows).map { Choice(name: $0, kind: .function, suffix: "(") }
    }

    /// A pipeline that starts from a dataset (`from X | ...`, `let y = from X | ...`): its
    /// steps see the dataset's columns, not metrics (a `show ... | where` step does see them,
    /// as columns of the show's result).
    static func isDatasetPipeline(_ before: [CompletionScanner.Token]) -> Bool {
        if before.first?.isWord("from") == true { return true }
        return before.count >= 4 && before[0].isWord("let") && before[2].isSymbol("=") && before[3].isWord("from")
    }

    /// Columns of the datasets the statement reads (all columns when it names none that are
    /// loaded) and names the statement defines (`derive x = …`).
    private func columnChoices(before: [CompletionScanner.Token]) -> [Choice] {
        let loaded = Set(vocabulary.datasetNames)
        var sources: [String] = []
        var defined: [String] = []
        for (i, token) in before.enumerated() where token.kind == .word || token.kind == .quotedName {
            let previous = i > 0 ? before[i - 1] : nil
            if let previous, previous.kind == .word,
                ["from", "join", "union", "left", "inner", "funnel"].contains(previous.text.lowercased()),
                loaded.contains(token.text)
            {
                sources.append(token.text)
            }
            if i + 1 < before.count, before[i + 1].isSymbol("="),
                !(previous?.isWord("let") ?? false), !(previous?.isWord("metric") ?? false),
                !(previous?.isSymbol(".") ?? false)
            {
                defined.append(token.text)
            }
        }
        var columns: [String]
        if sources.isEmpty {
            columns = vocabulary.allColumnNames
        } else {
            columns = []
            for source in sources { columns += vocabulary.columnNames(of: source) }
        }
        columns += defined
        return columns.map { Choice(name: $0, kind: .column) }
    }

    /// Inside a string: a file path after `load`, `export`, `save` or `open`.
    private func stringContent(_ content: String, before: [CompletionScanner.Token]) -> Completion? {
        guard let previous = before.last, ["load", "export", "save", "open"].contains(where: previous.isWord), !content.contains("\n") else {
            return nil
        }
        return Completion(word: content, candidates: sorted(files.candidates(for: content, fileSuffix: "\"")))
    }

    // MARK: - Dot commands

    private func dotCommand(_ line: Substring) -> Completion? {
        let afterDot = line.dropFirst()
        guard let space = afterDot.firstIndex(where: { $0 == " " || $0 == "\t" }) else {
            let names = DotCommands.all.map { Choice(name: $0.name, kind: .command) }
            return Completion(word: String(afterDot), candidates: match(names, word: String(afterDot), inBackQuotes: false))
        }
        let command = afterDot[..<space].lowercased()
        let rest = afterDot[space...]
        // The arguments typed so far; the last one is the word being completed.
        let scan = DotCommands.scanWords(rest)
        let finished = scan.words.count, word = scan.partial ?? "", quoted = scan.inQuotes
        // `.explain from sessions | where ...`: past its first word, a statement like any other.
        if command == "explain", finished > 0 { return statement(String(rest.drop { $0 == " " || $0 == "\t" })) }
        let choices: [Choice]
        switch (command, finished) {
        case ("read", 0), ("output", 0), ("export", 0), ("save", 0), ("open", 0):
            let closing = quoted ? "\"" : " "
            var candidates = files.candidates(for: word, fileSuffix: closing)
            if !quoted {
                // A name with spaces needs quotes; the word typed so far has none to keep.
                candidates = candidates.map { candidate in
                    guard candidate.text.contains(" ") else { return candidate }
                    var c = candidate
                    c.text = "\"" + c.text
                    if c.kind == .file { c.suffix = "\"" }
                    return c
                }
            }
            return Completion(word: word, candidates: sorted(candidates))
        case ("schema", 0):
            choices = vocabulary.datasetNames.map { Choice(name: $0, kind: .dataset) }
        case ("explain", 0):
            choices = vocabulary.metricNames.map { Choice(name: $0, kind: .metric) }
                + ["from", "let", "show", "funnel", "cohort"].map { Choice(name: $0, kind: .keyword) }
        case ("mode", 0):
            choices = OutputMode.allCases.map { Choice(name: $0.rawValue, kind: .value) }
        case ("timer", 0):
            choices = ["on", "off"].map { Choice(name: $0, kind: .value) }
        case ("help", 0):
            choices = HelpText.topics.keys.sorted().map { Choice(name: $0, kind: .value) }
        case ("asof", 0):
            choices = [Choice(name: "today", kind: .value)]
        case ("chart", 0):
            choices = ["bar", "line"].map { Choice(name: $0, kind: .value) }
                + vocabulary.lastResultColumns.map { Choice(name: $0, kind: .column) }
        case ("chart", _):
            choices = vocabulary.lastResultColumns.map { Choice(name: $0, kind: .column) }
        default:
            return nil
        }
        return Completion(word: word, candidates: match(choices, word: word, inBackQuotes: false))
    }

    // MARK: - Matching

    /// The choices that start with `word`: those matching its case if any, else any case.
    /// Names that are not plain identifiers are offered in back quotes.
    private func match(_ choices: [Choice], word: String, inBackQuotes: Bool) -> [CompletionCandidate] {
        var exact: [Choice] = []
        var loose: [Choice] = []
        let lowered = word.lowercased()
        for choice in choices {
            if choice.name.hasPrefix(word) {
                exact.append(choice)
            } else if choice.name.lowercased().hasPrefix(lowered) {
                loose.append(choice)
            }
        }
        let chosen = exact.isEmpty ? loose : exact
        var seen = Set<String>()
        var candidates: [CompletionCandidate] = []
        for choice in chosen where seen.insert(choice.name).inserted {
            if inBackQuotes {
                candidates.append(CompletionCandidate(text: choice.name, kind: choice.kind, suffix: "`" + choice.suffix, display: choice.name))
            } else if Self.isPlainName(choice.name) {
                candidates.append(CompletionCandidate(text: choice.name, kind: choice.kind, suffix: choice.suffix))
            } else {
                candidates.append(CompletionCandidate(text: "`" + choice.name + "`", kind: choice.kind, suffix: choice.suffix))
            }
        }
        return sorted(candidates)
    }

    private func sorted(_ candidates: [CompletionCandidate]) -> [CompletionCandidate] {
        candidates.sorted { a, b in
            let x = a.text.lowercased(), y = b.text.lowercased()
            return x != y ? x < y : a.text < b.text
        }
    }

    /// Whether a name can be written without back quotes.
    static func isPlainName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, !(first >= "0" && first <= "9") else { return false }
        return name.unicodeScalars.allSatisfy { c in
            (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || (c >= "0" && c <= "9") || c == "_" || c.value >= 0x80
        }
    }
}
