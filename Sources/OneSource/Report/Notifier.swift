import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Sends a run's one message where the pipeline's `notify` says. A webhook that cannot be reached or a sendmail that
/// fails is a warning in the log, never a failed run: the exit code already tells the scheduler.
public struct Notifier: Sendable {
    public let policy: NotifyPolicy
    /// How long a webhook may take to answer.
    public let timeout: TimeInterval

    public init(policy: NotifyPolicy, timeout: TimeInterval = 15) {
        self.policy = policy
        self.timeout = timeout
    }

    /// Sends `digest` unless the policy sends only when someone must act and nobody must; returns one line per
    /// destination saying what happened (also logged).
    @discardableResult
    public func send(_ digest: RunDigest, log: RunLog) -> [String] {
        guard policy.when == .always || digest.needsAttention else {
            log.info("notify: nothing needs attention; no message sent (notify.when is attention)")
            return []
        }
        var outcomes: [String] = []
        for webhook in policy.webhooks {
            let place = Notifier.redacted(webhook.url)
            switch post(Notifier.body(digest, template: webhook.template), to: webhook.url) {
            case .success(let status): outcomes.append("notify: webhook \(place) answered \(status)")
            case .failure(let reason): outcomes.append("warning: notify: webhook \(place) not reached: \(reason)")
            }
        }
        if let mail = policy.mail {
            if let problem = sendMail(digest, mail) {
                outcomes.append("warning: notify: mail to \(mail.to.joined(separator: ", ")) not sent: \(problem)")
            } else {
                outcomes.append("notify: mail handed to \(mail.sendmail) for \(mail.to.joined(separator: ", "))")
            }
        }
        for line in outcomes { log.info(line) }
        return outcomes
    }

    /// The webhook's body for `template`: OneSource's JSON, or the robots' text message (钉钉 and 企业微信/政务微信
    /// group robots take the same shape).
    static func body(_ digest: RunDigest, template: NotifyPolicy.Template) -> Data {
        let object: [String: Any]
        switch template {
        case .json: object = digest.json
        case .dingtalk, .wecom: object = ["msgtype": "text", "text": ["content": digest.text]]
        }
        return (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
    }

    /// A webhook's address without its query (the robots' access token is a secret) for the log.
    static func redacted(_ url: URL) -> String {
        var text = "\(url.scheme ?? "http")://\(url.host ?? "?")" + (url.port.map { ":\($0)" } ?? "") + url.path
        if url.query != nil { text += "?…" }
        return text
    }

    private enum Outcome { case success(Int), failure(String) }

    private final class Answer: @unchecked Sendable {
        let lock = NSLock()
        var outcome: Outcome = .failure("no answer")
    }

    private func post(_ body: Data, to url: URL) -> Outcome {
        var request = URLRequest(url: url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: timeout)
        request.httpMethod = "POST"
        request.setValue("application/json; charset=utf-8", forHTTPHeaderField: "Content-Type")
        request.httpBody = body
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = timeout
        let session = URLSession(configuration: configuration)
        defer { session.finishTasksAndInvalidate() }
        let answer = Answer()
        let done = DispatchSemaphore(value: 0)
        session.dataTask(with: request) { _, response, error in
            answer.lock.lock()
            if let error {
                answer.outcome = .failure(error.localizedDescription)
            } else if let status = (response as? HTTPURLResponse)?.statusCode {
                answer.outcome = (200..<300).contains(status) ? .success(status) : .failure("HTTP \(status)")
            }
            answer.lock.unlock()
            done.signal()
        }.resume()
        // The session's own timeout ends the task; this wait is only a backstop.
        if done.wait(timeout: .now() + timeout + 5) == .timedOut { return .failure("no answer within \(Int(timeout)) s") }
        answer.lock.lock()
        defer { answer.lock.unlock() }
        return answer.outcome
    }

    /// The mail as sendmail reads it (`-t`: recipients from the headers); UTF-8 text, the subject encoded by RFC 2047.
    static func mailText(_ digest: RunDigest, _ mail: NotifyPolicy.Mail) -> String {
        let subject = "OneSource " + (digest.runID.map { "第\($0)次运行" } ?? "运行") + "：\(RunDigest.statusNames[digest.status] ?? digest.status)"
            + "（退出码 \(digest.exitCode)）"
        var text = ""
        if let from = mail.from { text += "From: \(from)\n" }
        text += "To: \(mail.to.joined(separator: ", "))\n"
        text += "Subject: =?UTF-8?B?\(Data(subject.utf8).base64EncodedString())?=\n"
        text += "MIME-Version: 1.0\nContent-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: 8bit\n\n"
        return text + digest.text
    }

    private func sendMail(_ digest: RunDigest, _ mail: NotifyPolicy.Mail) -> String? {
        guard FileManager.default.isExecutableFile(atPath: mail.sendmail) else { return "\(mail.sendmail) not found or not executable" }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: mail.sendmail)
        process.arguments = ["-t", "-oi"]
        let input = Pipe()
        process.standardInput = input
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            return "\(error.localizedDescription)"
        }
        try? input.fileHandleForWriting.write(contentsOf: Data(Notifier.mailText(digest, mail).utf8))
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
        return process.terminationStatus == 0 ? nil : "\(mail.sendmail) exited \(process.terminationStatus)"
    }
}
