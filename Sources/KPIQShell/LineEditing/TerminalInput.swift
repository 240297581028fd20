#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The characters libedit reads, from standard input, through kpiq's own read function
/// (`EL_GETCFN`) instead of libedit's one-byte reads. Three things need the bytes before
/// libedit sees them:
///
/// - Pastes. The terminal wraps a paste in `ESC[200~` ... `ESC[201~` (bracketed paste, turned
///   on while a line is edited). Those markers are not keys: they are taken out, and control
///   characters inside the paste are inserted literally (a pasted Tab must not complete).
/// - Input already waiting. Reading everything the terminal has sent, not one byte at a time,
///   lets the shell see, when a line ends, that more lines follow (a paste without brackets)
///   and wait for them before deciding a statement is complete.
/// - Keys during Ctrl-R. libedit's incremental search ends at ESC and then inserts the rest of
///   an arrow key's sequence (`[C`) as text. While searching, an arrow key is handed over as
///   the control key with the same meaning (Ctrl-F for Right...), which ends the search and
///   then runs, as in readline.
final class TerminalInput {
    let descriptor: Int32
    private var bytes: [UInt8] = []
    private var position = 0
    /// Characters to hand out before reading more (a quoting Ctrl-V and the quoted character).
    private var queued: [UInt32] = []
    /// Inside a bracketed paste.
    private(set) var pasting = false
    /// The last character of the paste so far was a line break.
    private var pasteEndedWithLineBreak = false
    /// Ctrl-R's search is reading keys (set by Ctrl-R, cleared by any key that ends it).
    var searching = false

    static let sequenceWait: Int32 = 25
    static let pasteStart: [UInt8] = Array("\u{1B}[200~".utf8)
    static let pasteEnd: [UInt8] = Array("\u{1B}[201~".utf8)

    init(descriptor: Int32 = 0) {
        self.descriptor = descriptor
    }

    private var available: Int { bytes.count - position }

    /// Reads what the terminal has sent (at least one byte, waiting up to `timeout`
    /// milliseconds, or forever when negative). False at end of input, on an error, or when
    /// nothing came in time.
    private func fill(timeout: Int32) -> Bool {
        if position > 0, position == bytes.count {
            bytes.removeAll(keepingCapacity: true)
            position = 0
        }
        while true {
            if timeout >= 0 {
                var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
                let ready = poll(&poller, 1, timeout)
                if ready < 0, errno == EINTR { continue }  // a resize; libedit's handler has run
                if ready <= 0 { return false }
            }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let n = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if n > 0 {
                bytes.append(contentsOf: chunk[0..<n])
                return true
            }
            if n < 0, errno == EINTR { continue }
            return false
        }
    }

    /// True when `sequence` starts at the read position, reading more (briefly) when the
    /// bytes there are a beginning of it: a terminal sends a key's sequence in one write, so
    /// a lone ESC (vi's command mode) waits only `sequenceWait` milliseconds.
    private func startsWith(_ sequence: [UInt8]) -> Bool {
        while true {
            let count = min(available, sequence.count)
            guard bytes[position..<(position + count)].elementsEqual(sequence[0..<count]) else { return false }
            if count == sequence.count { return true }
            if !fill(timeout: Self.sequenceWait) { return false }
        }
    }

    /// The length of the escape sequence (CSI `ESC [ ... final` or SS3 `ESC O x`) at the read
    /// position, or nil when ESC stands alone or starts something else.
    private func escapeSequenceLength() -> Int? {
        func byte(_ offset: Int) -> UInt8? {
            while available <= offset {
                if !fill(timeout: Self.sequenceWait) { return nil }
            }
            return bytes[position + offset]
        }
        guard let second = byte(1) else { return nil }
        if second == UInt8(ascii: "O") { return byte(2) == nil ? nil : 3 }
        guard second == UInt8(ascii: "[") else { return nil }
        var offset = 2
        while let b = byte(offset), offset < 32 {
            if b >= 0x40, b <= 0x7E { return offset + 1 }
            offset += 1
        }
        return nil
    }

    /// The next character for libedit; nil at end of input or on an error. `lineIsEmpty`
    /// says whether the line being edited holds nothing.
    func next(lineIsEmpty: () -> Bool) -> UInt32? {
        while true {
            if !queued.isEmpty { return queued.removeFirst() }
            if available == 0, !fill(timeout: -1) { return nil }
            let b = bytes[position]
            if b == 0x1B {
                if startsWith(Self.pasteStart) {
                    position += Self.pasteStart.count
                    pasting = true
                    pasteEndedWithLineBreak = false
                    continue
                }
                if pasting || available >= 2, startsWith(Self.pasteEnd) {
                    position += Self.pasteEnd.count
                    pasting = false
                    // A paste that ended with a line break has already ended its last line;
                    // end this empty one too, so the shell decides about the block now
                    // instead of when the next key is pressed.
                    if pasteEndedWithLineBreak, lineIsEmpty() { return 0x0A }
                    continue
                }
                if searching, let length = escapeSequenceLength() {
                    let final = bytes[position + length - 1]
                    position += length
                    searching = false
                    // The key's meaning as the control key that ends the search and runs
                    // (libedit pushes it back), or ESC, which only ends it.
                    switch final {
                    case UInt8(ascii: "A"): return 0x10  // Up: Ctrl-P
                    case UInt8(ascii: "B"): return 0x0E  // Down: Ctrl-N
                    case UInt8(ascii: "C"): return 0x06  // Right: Ctrl-F
                    case UInt8(ascii: "D"): return 0x02  // Left: Ctrl-B
                    case UInt8(ascii: "H"): return 0x01  // Home: Ctrl-A
                    case UInt8(ascii: "F"): return 0x05  // End: Ctrl-E
                    default: return 0x1B
                    }
                }
            }
            position += 1
            if pasting {
                if b == 0x0D || b == 0x0A {
                    // CR LF in a paste is one line break.
                    if b == 0x0D, available > 0, bytes[position] == 0x0A { position += 1 }
                    pasteEndedWithLineBreak = true
                    return 0x0A
                }
                pasteEndedWithLineBreak = false
                if b < 0x20 || b == 0x7F {
                    // Inserted as text (Ctrl-V quotes the next character), not run as a key.
                    queued.append(UInt32(b))
                    return 0x16
                }
            } else if searching {
                // The keys libedit's search reads itself: text, Ctrl-R/Ctrl-S (again),
                // backspace and Ctrl-W. Any other ends it.
                if b < 0x20 || b == 0x7F, ![0x12, 0x13, 0x08, 0x7F, 0x17].contains(b) { searching = false }
            } else if b == 0x12 {
                searching = true
            }
            if b < 0x80 { return UInt32(b) }
            return decode(lead: b)
        }
    }

    /// The character a UTF-8 sequence starting with `lead` (already taken) encodes; U+FFFD
    /// for a malformed one.
    private func decode(lead: UInt8) -> UInt32 {
        let length: Int
        var value: UInt32
        switch lead {
        case 0xC2...0xDF: length = 1; value = UInt32(lead & 0x1F)
        case 0xE0...0xEF: length = 2; value = UInt32(lead & 0x0F)
        case 0xF0...0xF4: length = 3; value = UInt32(lead & 0x07)
        default: return 0xFFFD
        }
        for _ in 0..<length {
            if available == 0, !fill(timeout: 100) { return 0xFFFD }
            let b = bytes[position]
            guard b & 0xC0 == 0x80 else { return 0xFFFD }
            position += 1
            value = value << 6 | UInt32(b & 0x3F)
        }
        return value
    }

    /// Whether more input is waiting: the rest of a paste, or lines typed or pasted ahead
    /// that arrive within `timeout` milliseconds. A paste's end marker waiting at the front
    /// is taken out first (it belongs to the line just ended).
    func hasPendingInput(timeout: Int32) -> Bool {
        if !queued.isEmpty { return true }
        if available >= Self.pasteEnd.count,
            bytes[position..<(position + Self.pasteEnd.count)].elementsEqual(Self.pasteEnd)
        {
            position += Self.pasteEnd.count
            pasting = false
        }
        if available > 0 || pasting { return true }
        var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        return poll(&poller, 1, timeout) > 0
    }
}
