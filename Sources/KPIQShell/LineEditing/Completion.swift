/// What completion found for the word before the cursor.
package struct Completion: Equatable, Sendable {
    /// The text before the cursor that a choice replaces (may be empty).
    package var word: String
    /// The choices, sorted, without duplicates.
    package var candidates: [CompletionCandidate]

    package init(word: String, candidates: [CompletionCandidate]) {
        self.word = word
        self.candidates = candidates
    }

    /// The replacement texts.
    package var texts: [String] { candidates.map(\.text) }

    /// What to put in place of `word`: the one choice with its suffix, the longest prefix all
    /// choices share when that says more than `word`, or nil when only a list can help.
    package var insertion: String? {
        if candidates.count == 1 { return candidates[0].text + candidates[0].suffix }
        guard let first = candidates.first else { return nil }
        var prefix = Array(first.text)
        for candidate in candidates.dropFirst() {
            let other = Array(candidate.text)
            var n = 0
            while n < prefix.count, n < other.count, prefix[n] == other[n] { n += 1 }
            prefix.removeLast(prefix.count - n)
        }
        // Candidates that matched regardless of case may share less than the word itself.
        guard prefix.count > word.count else { return nil }
        return String(prefix)
    }
}

/// One choice.
package struct CompletionCandidate: Equatable, Sendable {
    package enum Kind: Equatable, Sendable {
        case keyword, step, dataset, column, metric, function, command, file, directory, value
    }

    /// The text that replaces the word.
    package var text: String
    package var kind: Kind
    /// Added after `text` when this is the only choice: a space, `(`, a closing quote, or nothing.
    package var suffix: String
    /// How the choice is listed (a file's name without its folder).
    package var display: String

    package init(text: String, kind: Kind, suffix: String = " ", display: String? = nil) {
        self.text = text
        self.kind = kind
        self.suffix = suffix
        self.display = display ?? text
    }
}
