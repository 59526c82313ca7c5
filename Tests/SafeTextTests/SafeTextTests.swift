import Foundation
import SafeText
import Testing

@Suite("Safe text: redaction and escaping", .timeLimit(.minutes(10)))
struct SafeTextTests {
    @Test("a registered secret is replaced in every form a provider may echo it in")
    func forms() {
        let secret = "tok/\(UUID().uuidString)+x=&<\""
        Secrets.register(secret)
        let encodedAll = secret.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        let forms = [
            secret, encodedAll, lowercaseEscapes(encodedAll),
            // Python's quote() keeps '/', JavaScript's encodeURIComponent keeps '-': any set may stay plain.
            secret.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["+", "=", "&"]))!,
            secret.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
                .replacingOccurrences(of: "/", with: "\\/"),
            secret.replacingOccurrences(of: "/", with: "\\u002f").replacingOccurrences(of: "\"", with: "\\u0022"),
            secret.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                .replacingOccurrences(of: "\"", with: "&quot;").replacingOccurrences(of: "/", with: "&#47;")
                .replacingOccurrences(of: "+", with: "&#x2B;"),
            Data(secret.utf8).base64EncodedString(),
        ]
        for form in forms {
            #expect(Secrets.redact("before \(form) after") == "before <redacted> after", "\(form)")
            #expect(Secrets.holdsSecret("x\(form)y"))
            #expect(Secrets.redact(Array("[\(form)]".utf8)) == Array("[<redacted>]".utf8))
        }
        #expect(Secrets.redact("\(secret)\(secret)") == "<redacted><redacted>")
    }

    /// `%2F` written `%2f`, the letters of the text left as they are.
    private func lowercaseEscapes(_ text: String) -> String {
        var result = ""
        var pending = 0
        for character in text {
            if character == "%" {
                pending = 2
                result.append(character)
            } else if pending > 0 {
                pending -= 1
                result += character.lowercased()
            } else {
                result.append(character)
            }
        }
        return result
    }

    @Test("values too short to be credentials are not registered (they would garble output)")
    func short() {
        Secrets.register("on")
        #expect(Secrets.redact("turn it on") == "turn it on")
    }

    @Test(
        "credentials in a URL are found by reading the text",
        arguments: [
            ("https://u:p@host/scim", "u:p"), ("https://user@host", "user"), ("https://host/a@b", nil),
            ("https://u:p@host?x=@y", "u:p"), ("not a url u:p@host", nil), ("https://a:b@c@host/x", "a:b@c"),
            ("http://[::1]:8080/v2", nil), ("https://u:p%40ss word@host/%zz", "u:p%40ss word"),
        ] as [(String, String?)])
    func userinfo(url: String, expected: String?) {
        #expect(URLCredentials.userinfo(in: url).map(String.init) == expected)
    }

    @Test("a URL's password is registered decoded too, and the URL can be shown without it")
    func urlSecrets() {
        let password = "pa%40ss-\(UUID().uuidString)"
        let url = "https://svc:\(password)@scim.example.com/v2"
        #expect(URLCredentials.registerSecrets(in: url))
        #expect(Secrets.redact(password.removingPercentEncoding!) == "<redacted>")
        #expect(URLCredentials.stripped(url) == "https://<redacted>@scim.example.com/v2")
    }

    @Test("control characters, separators and bidi controls are escaped; other text is kept")
    func escape() {
        #expect(Printable.escape("\u{1B}[31mred\n\r\t") == "\\u{1B}[31mred\\u{A}\\u{D}\\u{9}")
        #expect(Printable.escape("a\u{2028}b\u{85}c\u{202E}d") == "a\\u{2028}b\\u{85}c\\u{202E}d")
        #expect(Printable.escape("josé 😀 ｆｕｌｌ") == "josé 😀 ｆｕｌｌ")
        #expect(Printable.gate("line\n\tcol\r\u{1B}[0m", colour: true) == "line\n\tcol\r\u{1B}[0m")
        #expect(Printable.gate("x\u{1B}[2J\u{7}", colour: false) == "x\\u{1B}[2J\\u{7}")
    }

    @Test("invisible characters are those that hide in a name")
    func invisible() {
        for scalar in ["\u{200B}", "\u{200D}", "\u{2060}", "\u{FEFF}", "\u{AD}", "\u{202E}", "\u{E0041}"] {
            #expect(Printable.isInvisible(scalar.unicodeScalars.first!), "\(scalar.unicodeScalars.first!.value)")
        }
        for scalar in ["a", "é", "ß", "😀", "ａ"] { #expect(!Printable.isInvisible(scalar.unicodeScalars.first!)) }
    }
}
