import Foundation
import OneSource

/// Where the tool finds its defaults, whatever the current folder: the folder holding `Pipelines/` (the installation
/// home) is `$ONESOURCE_HOME` when set, else the nearest folder above the executable that holds `Pipelines/catalog`
/// (a checkout running `.build/…/onesource`, or an installation under `/opt/onesource`). The default store is
/// `$ONESOURCE_STORE`, else `var/onesource.sqlite` in that home.
enum Installation {
    static let home: String? = {
        let environment = ProcessInfo.processInfo.environment
        if let home = environment["ONESOURCE_HOME"], !home.isEmpty { return URL(fileURLWithPath: home).standardizedFileURL.path }
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var folder = executable.deletingLastPathComponent()
        while folder.path != "/" {
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: folder.appendingPathComponent("Pipelines/catalog").path, isDirectory: &isFolder),
               isFolder.boolValue {
                return folder.path
            }
            folder = folder.deletingLastPathComponent()
        }
        return nil
    }()

    /// A file or folder of the installation's `Pipelines/`; a usage error naming the option to give when there is none.
    static func pipelines(_ relative: String, option: String) throws -> String {
        guard let home else {
            throw UsageError("no \(option) given and no installation found (no Pipelines/catalog above \(CommandLine.arguments[0]), "
                             + "ONESOURCE_HOME not set): give \(option)")
        }
        return (home as NSString).appendingPathComponent("Pipelines/" + relative)
    }

    static func catalog(_ arguments: Arguments) throws -> String {
        try arguments.value("--catalog") ?? pipelines("catalog", option: "--catalog")
    }

    /// The store a command acts on: `--store`, else `$ONESOURCE_STORE`, else `var/onesource.sqlite` in the home.
    static func store(_ arguments: Arguments) throws -> String {
        if let path = arguments.value("--store") { return path }
        if let path = ProcessInfo.processInfo.environment["ONESOURCE_STORE"], !path.isEmpty { return path }
        guard let home else {
            throw UsageError("no --store given, ONESOURCE_STORE not set and no installation found: give --store")
        }
        return (home as NSString).appendingPathComponent(Store.defaultPath)
    }
}
