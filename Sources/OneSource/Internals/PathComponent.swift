/// A name that becomes one component of a path (an agency's export folder, `agency-CODE.html`): never a way
/// out of the folder it is written into, whatever the catalog says.
enum PathComponent {
    /// `folder/name`, when `name` is one plain component: not empty, not `.` or `..`, no `/` and no NUL.
    /// - Throws: `PathComponentError` naming the component.
    static func child(_ folder: String, _ name: String) throws -> String {
        guard !name.isEmpty, name != ".", name != "..", !name.contains("/"), !name.contains("\0") else {
            throw PathComponentError(name: name)
        }
        return folder.hasSuffix("/") ? folder + name : folder + "/" + name
    }
}

/// A catalog value that would have written outside its folder.
public struct PathComponentError: Error, CustomStringConvertible {
    public let name: String
    public var description: String { "\"\(name)\" cannot name a file or folder (it would leave the output folder); fix the catalog" }
}
