/// The release number, in one place: the command line's `version`, and the `User-Agent` every request
/// carries (so a provider's logs name the release that sent it).
public enum ScimctlVersion {
    /// Bumped by hand with each release (the git tag says the rest).
    public static let number = "0.2.0"

    /// `scimctl/0.2.0`.
    public static var userAgent: String { "scimctl/\(number)" }
}
