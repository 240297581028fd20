#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// File names for completing a path typed so far (`data/cl` -> `data/clicks.csv`).
package struct DirectoryListing: Sendable {
    /// Folder that relative paths start from (nil: the working directory).
    package var baseDirectory: String?
    /// Replaces a leading `~/` (nil: `$HOME`).
    package var home: String?

    package init(baseDirectory: String? = nil, home: String? = nil) {
        self.baseDirectory = baseDirectory
        self.home = home
    }

    package struct Entry: Equatable, Sendable {
        package var name: String
        package var isDirectory: Bool
    }

    /// Entries of the folder part of `typed` whose names start with its last part, as the
    /// full typed text (`data/clicks.csv`, folders ending in `/`). Hidden files only when the
    /// last part starts with a dot.
    package func candidates(for typed: String, fileSuffix: String) -> [CompletionCandidate] {
        let folder: String
        let stem: String
        if let slash = typed.lastIndex(of: "/") {
            folder = String(typed[...slash])
            stem = String(typed[typed.index(after: slash)...])
        } else {
            folder = ""
            stem = typed
        }
        let entries = list(resolve(folder))
        return entries
            .filter { $0.name.hasPrefix(stem) && (stem.hasPrefix(".") || !$0.name.hasPrefix(".")) }
            .filter { $0.name != "." && $0.name != ".." }
            .map { entry in
                entry.isDirectory
                    ? CompletionCandidate(text: folder + entry.name + "/", kind: .directory, suffix: "", display: entry.name + "/")
                    : CompletionCandidate(text: folder + entry.name, kind: .file, suffix: fileSuffix, display: entry.name)
            }
    }

    /// The folder on disk for the typed folder part.
    func resolve(_ folder: String) -> String {
        if folder.hasPrefix("~/") {
            let home = self.home ?? getenv("HOME").map { String(cString: $0) } ?? ""
            return home + "/" + folder.dropFirst(2)
        }
        if folder.hasPrefix("/") { return folder }
        if let baseDirectory { return baseDirectory + "/" + (folder.isEmpty ? "." : folder) }
        return folder.isEmpty ? "." : folder
    }

    /// The entries of a folder (empty when it cannot be read).
    package func list(_ path: String) -> [Entry] {
        guard let directory = opendir(path) else { return [] }
        defer { closedir(directory) }
        var entries: [Entry] = []
        while let item = readdir(directory) {
            let name = withUnsafePointer(to: item.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: MemoryLayout.size(ofValue: item.pointee.d_name)) {
                    String(cString: $0)
                }
            }
            var info = stat()
            let full = path.hasSuffix("/") ? path + name : path + "/" + name
            let isDirectory = stat(full, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
            entries.append(Entry(name: name, isDirectory: isDirectory))
        }
        return entries
    }
}
