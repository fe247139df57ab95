import Foundation

/// Where a run's one message goes (`"notify"` in a pipeline definition): HTTP webhooks (a JSON body; the 钉钉 and
/// 政务微信/企业微信 group robots through their templates) and mail through the local `sendmail`.
///
///     "notify": {
///       "when": "always",
///       "webhooks": [{"url": "https://oapi.dingtalk.com/robot/send?access_token=…", "template": "dingtalk"}],
///       "mail": {"to": ["data-team@example.gov.cn"], "from": "onesource@example.gov.cn", "sendmail": "/usr/sbin/sendmail"}
///     }
public struct NotifyPolicy: Sendable, Equatable {
    /// Which runs send: every run, or only those that need someone (exit 1 or 2, or 3 with tasks newly overdue).
    public enum When: String, Sendable, CaseIterable { case always, attention }
    /// The body a webhook gets: OneSource's own JSON, or a robot's text message.
    public enum Template: String, Sendable, CaseIterable { case json, dingtalk, wecom }

    public struct Webhook: Sendable, Equatable {
        public let url: URL
        public let template: Template
    }

    public struct Mail: Sendable, Equatable {
        public let to: [String]
        public let from: String?
        public let sendmail: String
    }

    public let when: When
    public let webhooks: [Webhook]
    public let mail: Mail?

    /// The same destinations, sending whatever the run (a message sent again by hand).
    public var always: NotifyPolicy { NotifyPolicy(when: .always, webhooks: webhooks, mail: mail) }

    /// Parses the `notify` object of the definition at `path`.
    static func parse(_ value: Any, path: String) throws -> NotifyPolicy {
        func fail(_ at: String, _ message: String) -> PipelineError { .invalidDefinition(path: path, message: "$.notify\(at): \(message)") }
        guard let map = value as? [String: Any] else { throw fail("", "an object with when, webhooks and mail") }
        for key in map.keys.sorted() where !["when", "webhooks", "mail"].contains(key) {
            throw fail(".\(key)", "unknown property" + Similarity.hint(for: key, among: ["when", "webhooks", "mail"], quoted: true))
        }
        var when = When.always
        if let text = map["when"] {
            guard let value = (text as? String).flatMap(When.init(rawValue:)) else { throw fail(".when", "always or attention") }
            when = value
        }
        var webhooks: [Webhook] = []
        if let list = map["webhooks"] {
            guard let items = list as? [[String: Any]] else { throw fail(".webhooks", "an array of {\"url\": …, \"template\": …}") }
            for (index, item) in items.enumerated() {
                for key in item.keys.sorted() where !["url", "template"].contains(key) { throw fail(".webhooks[\(index)].\(key)", "unknown property") }
                guard let text = item["url"] as? String, let url = URL(string: text), ["http", "https"].contains(url.scheme?.lowercased() ?? ""),
                      url.host != nil else {
                    throw fail(".webhooks[\(index)].url", "an http or https address")
                }
                var template = Template.json
                if let name = item["template"] {
                    guard let value = (name as? String).flatMap(Template.init(rawValue:)) else {
                        throw fail(".webhooks[\(index)].template", "one of \(Template.allCases.map(\.rawValue).joined(separator: ", "))")
                    }
                    template = value
                }
                webhooks.append(Webhook(url: url, template: template))
            }
        }
        var mail: Mail?
        if let value = map["mail"] {
            guard let item = value as? [String: Any] else { throw fail(".mail", "an object with to, from, sendmail") }
            for key in item.keys.sorted() where !["to", "from", "sendmail"].contains(key) { throw fail(".mail.\(key)", "unknown property") }
            guard let to = item["to"] as? [String], !to.isEmpty, to.allSatisfy(NotifyPolicy.isAddress) else {
                throw fail(".mail.to", "a non-empty array of mail addresses")
            }
            let from = item["from"] as? String
            if let from, !NotifyPolicy.isAddress(from) { throw fail(".mail.from", "a mail address") }
            let sendmail = item["sendmail"] as? String ?? "/usr/sbin/sendmail"
            guard sendmail.hasPrefix("/") else { throw fail(".mail.sendmail", "an absolute path to sendmail") }
            mail = Mail(to: to, from: from, sendmail: sendmail)
        }
        return NotifyPolicy(when: when, webhooks: webhooks, mail: mail)
    }

    /// A plain address (no display name, no line breaks: it goes into a mail header).
    static func isAddress(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".")
            && !text.contains(where: { $0.isWhitespace || $0.isNewline || $0 == "<" || $0 == ">" || $0 == "," })
    }
}
