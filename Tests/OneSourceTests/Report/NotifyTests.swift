import Foundation
import Testing
@testable import OneSource

/// An HTTP listener on 127.0.0.1 that answers every request with 200 and keeps the bodies it received.
final class WebhookListener: @unchecked Sendable {
    let port: UInt16
    private let listening: Int32
    private let lock = NSLock()
    private var bodies: [Data] = []
    private let received = DispatchSemaphore(value: 0)

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        guard bound == 0, listen(fd, 8) == 0 else { close(fd); throw POSIXError(.EADDRINUSE) }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        port = UInt16(bigEndian: address.sin_port)
        listening = fd
        Thread.detachNewThread { [self] in serve() }
    }

    private func serve() {
        while true {
            let client = accept(listening, nil, nil)
            if client < 0 { return }
            var request = Data()
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let n = read(client, &buffer, buffer.count)
                if n <= 0 { break }
                request.append(contentsOf: buffer[0..<n])
                if let end = request.range(of: Data("\r\n\r\n".utf8)) {
                    let head = String(decoding: request[..<end.lowerBound], as: UTF8.self).lowercased()
                    let length = head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                        .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
                    if request.count - end.upperBound >= length {
                        let body = request[end.upperBound..<(end.upperBound + length)]
                        let answer = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 15\r\nConnection: close\r\n\r\n{\"errcode\": 0 }"
                        _ = answer.withCString { write(client, $0, strlen($0)) }
                        lock.lock()
                        bodies.append(Data(body))
                        lock.unlock()
                        received.signal()
                        break
                    }
                }
            }
            close(client)
        }
    }

    /// The bodies received, once `count` have arrived (waits for the event; the limit only keeps a broken test from hanging).
    func bodies(count: Int) -> [Data] {
        for _ in 0..<count { _ = received.wait(timeout: .now() + 120) }
        lock.lock()
        defer { lock.unlock() }
        return bodies
    }

    /// A port on 127.0.0.1 that nobody listens on (bound, then closed).
    static func closedPort() -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return UInt16(bigEndian: address.sin_port)
    }
}

@Suite struct NotifyTests {
    /// Nightly's pipeline and data copied, with `notify` set.
    func city(notify: [String: Any]) throws -> (root: URL, pipeline: String, store: String) {
        let root = try Paths.temporaryDirectory()
        for folder in ["Pipelines", "SampleData"] {
            try FileManager.default.copyItem(at: Paths.packageRoot.appendingPathComponent(folder), to: root.appendingPathComponent(folder))
        }
        let path = root.appendingPathComponent("Pipelines/nightly.json").path
        var object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
        object["notify"] = notify
        try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]).write(to: URL(fileURLWithPath: path))
        return (root, path, root.appendingPathComponent("var/s.sqlite").path)
    }

    @Test func aRunSendsOneMessageToTheWebhookAndByMail() throws {
        let listener = try WebhookListener()
        let root = try Paths.temporaryDirectory()
        // A sendmail that keeps what it is given.
        let sendmail = root.appendingPathComponent("sendmail")
        let mailbox = root.appendingPathComponent("mailbox")
        try "#!/bin/sh\necho \"$@\" > \(mailbox.path).args\ncat > \(mailbox.path)\n".write(to: sendmail, atomically: true, encoding: .utf8)
        chmod(sendmail.path, 0o755)
        let city = try city(notify: [
            "webhooks": [["url": "http://127.0.0.1:\(listener.port)/robot/send?access_token=secret", "template": "json"],
                         ["url": "http://127.0.0.1:\(listener.port)/dingtalk?access_token=secret", "template": "dingtalk"]],
            "mail": ["to": ["ops@example.gov.cn"], "from": "onesource@example.gov.cn", "sendmail": sendmail.path],
        ])
        let result = try runBinary(["run", city.pipeline, "--store", city.store, "--as-of", "2026-11-30"])
        #expect(result.status == 3)
        let bodies = listener.bodies(count: 2)
        #expect(bodies.count == 2)
        let json = try #require(try JSONSerialization.jsonObject(with: bodies[0]) as? [String: Any])
        #expect(json["event"] as? String == "onesource_run")
        #expect(json["run"] as? Int == 1)
        #expect(json["status"] as? String == "done_with_defects")
        #expect(json["exitCode"] as? Int == 3)
        #expect(json["reason"] as? String == "3 row(s) rejected, 52 error finding(s), 24 record(s) quarantined")
        #expect(json["needsAttention"] as? Bool == false)
        #expect(json["reports"] as? String == city.root.appendingPathComponent("var/reports/run-1/city.html").path)
        let agencies = try #require(json["agencies"] as? [[String: Any]])
        #expect(agencies.map { "\($0["code"]!) \($0["newTasks"]!) \($0["overdueTasks"]!)" } == [
            "gongan 14 0", "renshe 8 0", "minzheng 2 0", "shichang 4 0", "shenpi 18 0", "xinyong 5 0", "ziran 1 0"])
        let robot = try #require(try JSONSerialization.jsonObject(with: bodies[1]) as? [String: Any])
        #expect(robot["msgtype"] as? String == "text")
        let content = try #require((robot["text"] as? [String: Any])?["content"] as? String)
        #expect(content.hasPrefix("OneSource 第1次运行（nightly）：完成，发现数据问题，退出码 3\n原因：3 row(s) rejected, 52 error finding(s), "
                                  + "24 record(s) quarantined\n各单位：\n- 泰州市公安局：新任务 14，重新打开 0，逾期 0（新增逾期 0）\n"))
        // The log names the webhooks without their tokens.
        #expect(result.stderr.contains("notify: webhook http://127.0.0.1:\(listener.port)/robot/send?… answered 200"))
        #expect(!result.stderr.contains("secret"))
        // The mail: recipients from the headers, UTF-8, the subject encoded.
        #expect(try String(contentsOf: URL(fileURLWithPath: mailbox.path + ".args"), encoding: .utf8) == "-t -oi\n")
        let mail = try String(contentsOf: mailbox, encoding: .utf8)
        let subject = "OneSource 第1次运行：完成，发现数据问题（退出码 3）"
        #expect(mail.hasPrefix("From: onesource@example.gov.cn\nTo: ops@example.gov.cn\nSubject: =?UTF-8?B?\(Data(subject.utf8).base64EncodedString())?=\n"
                               + "MIME-Version: 1.0\nContent-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: 8bit\n\nOneSource 第1次运行"))
        // Never a personal value: no identity number, name or phone of the sample data is in any message.
        let everything = bodies.map { String(decoding: $0, as: UTF8.self) }.joined() + mail
        #expect(everything.range(of: #"\d{17}[\dX]"#, options: .regularExpression) == nil)
        #expect(everything.range(of: #"1[3-9]\d{9}"#, options: .regularExpression) == nil)
        #expect(!everything.contains("余勇"))
    }

    @Test func anUnreachableWebhookIsAWarningNotAFailedRun() throws {
        // A port nobody listens on: bound, then closed.
        let port = WebhookListener.closedPort()
        let city = try city(notify: ["webhooks": [["url": "http://127.0.0.1:\(port)/hook", "template": "wecom"]]])
        let result = try runBinary(["run", city.pipeline, "--store", city.store, "--as-of", "2026-11-30"])
        #expect(result.status == 3)
        #expect(result.stderr.contains("warning: notify: webhook http://127.0.0.1:\(port)/hook not reached: "))
    }

    @Test func attentionIsExitOneOrTwoOrTasksNewlyOverdue() throws {
        let listener = try WebhookListener()
        let city = try city(notify: ["when": "attention", "webhooks": [["url": "http://127.0.0.1:\(listener.port)/", "template": "json"]]])
        // Night 1: defects, nothing overdue: no message; `notify --print --if-attention` prints nothing.
        #expect(try runBinary(["run", city.pipeline, "--store", city.store, "--as-of", "2026-11-30"]).status == 3)
        var printed = try runBinary(["notify", "--store", city.store, "--print", "--if-attention"])
        #expect(printed.status == 0 && printed.stdout.isEmpty)
        // Night 2, after the tasks' due date (7 working days: 2026-12-09): they fell overdue since night 1.
        #expect(try runBinary(["run", city.pipeline, "--store", city.store, "--as-of", "2026-12-10"]).status == 3)
        let bodies = listener.bodies(count: 1)
        let first = try #require(bodies.first)
        let json = try #require(try JSONSerialization.jsonObject(with: first) as? [String: Any])
        #expect(json["run"] as? Int == 2)
        #expect(json["needsAttention"] as? Bool == true)
        let agencies = try #require(json["agencies"] as? [[String: Any]])
        #expect(agencies.first.map { "\($0["code"]!) new \($0["newTasks"]!) overdue \($0["overdueTasks"]!) newly \($0["newlyOverdueTasks"]!)" }
                == "gongan new 1 overdue 14 newly 14")
        printed = try runBinary(["notify", "--store", city.store, "--print", "--if-attention"])
        #expect(printed.stdout.hasPrefix("OneSource 第2次运行（nightly）：完成，发现数据问题，退出码 3\n"))
        #expect(printed.stdout.contains("- 泰州市公安局：新任务 1，重新打开 0，逾期 14（新增逾期 14）\n"))
        // The new task of night 2 is the delivery itself: the same file ten days on, past its daily frequency.
        let tasks = try runBinary(["tasks", "list", "--store", city.store, "--agency", "gongan", "--rule", "delivery_overdue"])
        #expect(tasks.stdout.hasSuffix("1 task(s); personal data masked\n"))
        // Night 3: still overdue, none newly: no message.
        #expect(try runBinary(["run", city.pipeline, "--store", city.store, "--as-of", "2026-12-11"]).status == 3)
        printed = try runBinary(["notify", "--store", city.store, "--print", "--if-attention"])
        #expect(printed.stdout.isEmpty)
        #expect(listener.bodies(count: 0).count == 1)
    }

    @Test func aRefusedPipelineSendsExitTwo() throws {
        let listener = try WebhookListener()
        let city = try city(notify: ["webhooks": [["url": "http://127.0.0.1:\(listener.port)/", "template": "json"]]])
        var object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: city.pipeline))) as? [String: Any])
        object["calendar"] = "no-such-calendar"
        try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: city.pipeline))
        let result = try runBinary(["run", city.pipeline, "--store", city.store])
        #expect(result.status == 2)
        let body = try #require(listener.bodies(count: 1).first)
        let json = try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
        #expect(json["status"] as? String == "invalid_configuration")
        #expect(json["exitCode"] as? Int == 2)
        #expect(json["run"] == nil)
        #expect(!FileManager.default.fileExists(atPath: city.store))
    }

    @Test func theNotifySettingsAreChecked() throws {
        func problem(_ notify: [String: Any]) throws -> String {
            let object: [String: Any] = ["name": "n", "catalog": "catalog", "dataRoot": "data", "stages": ["ingest"], "notify": notify]
            do {
                _ = try PipelineDefinition.parse(data: try JSONSerialization.data(withJSONObject: object), path: "/p.json")
                return "accepted"
            } catch {
                return "\(error)"
            }
        }
        #expect(try problem(["webhook": []]) == "pipeline definition /p.json: $.notify.webhook: unknown property (did you mean \"webhooks\"?)")
        #expect(try problem(["webhooks": [["url": "ftp://x.cn/"]]]) == "pipeline definition /p.json: $.notify.webhooks[0].url: an http or https address")
        #expect(try problem(["webhooks": [["url": "https://x.cn/", "template": "slack"]]])
                == "pipeline definition /p.json: $.notify.webhooks[0].template: one of json, dingtalk, wecom")
        #expect(try problem(["mail": ["to": ["ops@example.gov.cn\nBcc: all@x.cn"]]]) == "pipeline definition /p.json: $.notify.mail.to: a non-empty array of mail addresses")
        #expect(try problem(["when": "sometimes"]) == "pipeline definition /p.json: $.notify.when: always or attention")
        #expect(try problem(["when": "attention", "mail": ["to": ["ops@example.gov.cn"]]]) == "accepted")
    }
}
