#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `~` at the start of a file path, as a shell expands it: `~` and `~/x` are the home folder
/// (`$HOME`, else the password database), `~NAME/x` is NAME's. kpiq reads paths from
/// statements and dot commands, where no shell expanded them first.
package enum HomePath {
    package static func expanded(_ path: String) -> String {
        guard path.hasPrefix("~") else { return path }
        let slash = path.firstIndex(of: "/") ?? path.endIndex
        let user = path[path.index(after: path.startIndex)..<slash]
        let rest = path[slash...]
        guard let home = user.isEmpty ? currentHome() : home(of: String(user)) else { return path }
        // `~/x` under a home of `/` is `/x`, not `//x`.
        return (home.hasSuffix("/") && rest.hasPrefix("/") ? String(home.dropLast()) : home) + rest
    }

    private static func currentHome() -> String? {
        if let value = getenv("HOME"), value.pointee != 0 { return String(cString: value) }
        return home(ofUID: getuid())
    }

    private static func home(of user: String) -> String? {
        guard let entry = getpwnam(user), let directory = entry.pointee.pw_dir else { return nil }
        return String(cString: directory)
    }

    private static func home(ofUID uid: uid_t) -> String? {
        guard let entry = getpwuid(uid), let directory = entry.pointee.pw_dir else { return nil }
        return String(cString: directory)
    }
}
