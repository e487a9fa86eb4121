import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A Dovecot IMAP server on 127.0.0.1 with everything in its own temporary directory, for integration tests:
/// a passwd-file passdb with one user, a static userdb whose mail lives in a Maildir under the directory, and
/// TLS with a certificate for 127.0.0.1 signed by a CA made here with openssl (`caFile`). It listens for
/// IMAP with STARTTLS and for IMAPS; with `tls: false` only for cleartext IMAP (no STARTTLS offered).
///
/// Settings that let Dovecot 2.3 run outside systemd (measured on Debian 12, 2.3.19): a private `base_dir`
/// and `state_dir`, `log_path` into the directory, and no chroot for the login and anvil processes. Run as
/// root, the mail user is `nobody` (Dovecot refuses root for mail); otherwise everything runs as the calling
/// user. The master runs in the foreground (`-F`), so the pid held is Dovecot's own and stopping is by pid.
/// Messages are put in and counted with `doveadm` on the same configuration.
public final class DovecotServer: @unchecked Sendable {
    public let directory: URL
    /// STARTTLS (or cleartext with `tls: false`) and implicit-TLS ports.
    public let imapPort: UInt16
    public let imapsPort: UInt16
    public let user: String
    public let password: String
    /// The CA that signed the server's certificate (PEM).
    public let caFile: URL
    /// Another CA, which signed nothing this server shows: for the untrusted-certificate case.
    public let otherCAFile: URL
    private let child: ChildProcess
    private let doveadm: String
    private var configuration: URL { directory.appendingPathComponent("dovecot.conf") }

    public var pid: Int32 { child.pid }

    /// `imaps://user@127.0.0.1:port/MAILBOX` (or `imap://` on the STARTTLS port).
    public func url(_ mailbox: String = "INBOX", implicitTLS: Bool = true) -> String {
        "\(implicitTLS ? "imaps" : "imap")://\(user)@127.0.0.1:\(implicitTLS ? imapsPort : imapPort)/\(mailbox)"
    }

    /// Starts Dovecot; nil (after printing why) when it is not installed, except under CI where that throws.
    public static func start(user: String = "dmarc", password: String = "correct horse", tls: Bool = true) throws -> DovecotServer? {
        guard let dovecot = try ServerBinaries.locate("dovecot", package: "dovecot-imapd",
                                                      candidates: ["/usr/sbin/dovecot", "/usr/local/sbin/dovecot"]),
              let doveadm = try ServerBinaries.locate("doveadm", package: "dovecot-imapd",
                                                      candidates: ["/usr/bin/doveadm", "/usr/local/bin/doveadm"]) else { return nil }
        var lastError: Error = NSDServer.LaunchError(message: "Dovecot did not start")
        for _ in 0..<3 {
            do { return try DovecotServer(dovecot: dovecot, doveadm: doveadm, user: user, password: password, tls: tls) } catch {
                lastError = error
            }
        }
        throw lastError
    }

    private init(dovecot: String, doveadm: String, user: String, password: String, tls: Bool) throws {
        guard let imapPort = LoopbackPorts.freePort(), let imapsPort = LoopbackPorts.freePort(), imapPort != imapsPort else {
            throw NSDServer.LaunchError(message: "no free loopback port")
        }
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("senderwatch-dovecot-\(UUID().uuidString)")
        self.imapPort = imapPort
        self.imapsPort = imapsPort
        self.user = user
        self.password = password
        self.doveadm = doveadm
        caFile = directory.appendingPathComponent("ca.pem")
        otherCAFile = directory.appendingPathComponent("other-ca.pem")
        for sub in ["run", "state", "home"] {
            try FileManager.default.createDirectory(at: directory.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        try Self.makeCertificates(in: directory)
        let mailUser = Self.mailUser()
        try "\(user):{PLAIN}\(password)::::::\n".write(to: directory.appendingPathComponent("passwd"), atomically: true, encoding: .utf8)
        chown(directory.appendingPathComponent("home").path, mailUser.uid, mailUser.gid)
        try Self.configuration(directory: directory, imapPort: imapPort, imapsPort: imapsPort, tls: tls, mailUser: mailUser)
            .write(to: directory.appendingPathComponent("dovecot.conf"), atomically: true, encoding: .utf8)
        child = try ChildProcess.launch(dovecot, ["-F", "-c", directory.appendingPathComponent("dovecot.conf").path],
                                        output: directory.appendingPathComponent("dovecot.out"))
        let deadline = Date().addingTimeInterval(10)
        while !Self.greets(port: imapPort) {
            guard child.isRunning, Date() < deadline else {
                let log = [(try? String(contentsOf: directory.appendingPathComponent("dovecot.log"), encoding: .utf8)) ?? "",
                           (try? String(contentsOf: directory.appendingPathComponent("dovecot.out"), encoding: .utf8)) ?? ""]
                child.stop()
                throw NSDServer.LaunchError(message: "Dovecot on port \(imapPort) did not greet within 10 s: \(log.joined().suffix(2000))")
            }
            usleep(20_000)
        }
    }

    deinit { stop() }

    /// The mail processes' user: `nobody` under root, else the caller.
    static func mailUser() -> (uid: uid_t, gid: gid_t, name: String) {
        if getuid() == 0, let entry = getpwnam("nobody") { return (entry.pointee.pw_uid, entry.pointee.pw_gid, "nobody") }
        let name = getpwuid(getuid()).map { String(cString: $0.pointee.pw_name) } ?? "root"
        return (getuid(), getgid(), name)
    }

    static func configuration(directory: URL, imapPort: UInt16, imapsPort: UInt16, tls: Bool,
                              mailUser: (uid: uid_t, gid: gid_t, name: String)) -> String {
        let path = directory.path
        // As root the login and internal processes use the package's dovecot and dovenull users; otherwise
        // everything runs as the caller, who cannot switch users.
        let users = getuid() == 0 ? "" : "default_internal_user = \(mailUser.name)\ndefault_login_user = \(mailUser.name)\n"
        let dh = FileManager.default.fileExists(atPath: "/usr/share/dovecot/dh.pem") ? "ssl_dh = </usr/share/dovecot/dh.pem\n" : ""
        let ssl = tls ? "ssl = yes\nssl_cert = <\(path)/server.pem\nssl_key = <\(path)/server.key\n\(dh)" : "ssl = no\n"
        let imaps = tls ? "  inet_listener imaps {\n    address = 127.0.0.1\n    port = \(imapsPort)\n    ssl = yes\n  }\n"
            : "  inet_listener imaps {\n    port = 0\n  }\n"
        return """
        base_dir = \(path)/run
        state_dir = \(path)/state
        log_path = \(path)/dovecot.log
        protocols = imap
        listen = 127.0.0.1
        \(users)\(ssl)auth_mechanisms = plain login
        first_valid_uid = 0
        passdb {
          driver = passwd-file
          args = scheme=PLAIN username_format=%u \(path)/passwd
        }
        userdb {
          driver = static
          args = uid=\(mailUser.uid) gid=\(mailUser.gid) home=\(path)/home/%u
        }
        mail_location = maildir:~/Maildir
        namespace inbox {
          inbox = yes
          separator = /
        }
        service imap-login {
          chroot =
          inet_listener imap {
            address = 127.0.0.1
            port = \(imapPort)
          }
        \(imaps)}
        service anvil {
          chroot =
        }

        """
    }

    /// A CA, a server certificate for 127.0.0.1 and localhost signed by it, and an unrelated second CA.
    static func makeCertificates(in directory: URL) throws {
        let path = directory.path
        let steps: [[String]] = [
            ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "\(path)/ca.key", "-out", "\(path)/ca.pem",
             "-days", "2", "-subj", "/CN=senderwatch test CA"],
            ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "\(path)/other-ca.key", "-out", "\(path)/other-ca.pem",
             "-days", "2", "-subj", "/CN=senderwatch other CA"],
            ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "\(path)/server.key", "-out", "\(path)/server.csr",
             "-subj", "/CN=127.0.0.1"],
            ["x509", "-req", "-in", "\(path)/server.csr", "-CA", "\(path)/ca.pem", "-CAkey", "\(path)/ca.key",
             "-CAcreateserial", "-out", "\(path)/server.pem", "-days", "2", "-extfile", "\(path)/san.cnf"],
        ]
        try "subjectAltName=IP:127.0.0.1,DNS:localhost\n".write(to: directory.appendingPathComponent("san.cnf"),
                                                                 atomically: true, encoding: .utf8)
        for arguments in steps {
            let (status, output) = try Self.run("/usr/bin/openssl", arguments)
            guard status == 0 else {
                throw NSDServer.LaunchError(message: "openssl \(arguments.prefix(2).joined(separator: " ")) failed: \(output.suffix(500))")
            }
        }
    }

    /// True once something on the port sends an IMAP greeting (`* OK`).
    static func greets(port: UInt16) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var wait = timeval(tv_sec: 0, tv_usec: 300_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, socklen_t(MemoryLayout<timeval>.size))
        var address = LoopbackPorts.loopback(port: port)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return false }
        var buffer = [UInt8](repeating: 0, count: 256)
        let received = recv(fd, &buffer, buffer.count, 0)
        return received >= 4 && buffer.starts(with: Array("* OK".utf8))
    }

    /// Puts a message into a mailbox (created if missing) with `doveadm save`.
    public func deliver(_ message: [UInt8], to mailbox: String = "INBOX") throws {
        if mailbox != "INBOX" { _ = try? doveadm(["mailbox", "create", "-u", user, mailbox]) }
        let (status, output) = try Self.run(doveadm, ["-c", configuration.path, "save", "-u", user, "-m", mailbox], input: message)
        guard status == 0 else { throw NSDServer.LaunchError(message: "doveadm save failed: \(output)") }
    }

    public func deliver(_ message: String, to mailbox: String = "INBOX") throws { try deliver(Array(message.utf8), to: mailbox) }

    /// Messages in a mailbox; 0 for one that does not exist.
    public func count(_ mailbox: String = "INBOX") throws -> Int {
        let (status, output) = try doveadm(["mailbox", "status", "-u", user, "messages", mailbox])
        guard status == 0 else { return 0 }
        return output.split(separator: "=").last.flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? 0
    }

    /// Messages of a mailbox flagged `\Seen`.
    public func seenCount(_ mailbox: String = "INBOX") throws -> Int {
        let (_, output) = try doveadm(["search", "-u", user, "mailbox", mailbox, "SEEN"])
        return output.split(separator: "\n").count
    }

    /// Gives the mailbox a new UIDVALIDITY, as if it had been deleted and recreated with the same messages.
    public func setUIDValidity(_ value: UInt32, mailbox: String = "INBOX") throws {
        let (status, output) = try doveadm(["mailbox", "update", "-u", user, "--uid-validity", String(value), mailbox])
        guard status == 0 else { throw NSDServer.LaunchError(message: "doveadm mailbox update failed: \(output)") }
    }

    public func uidValidity(_ mailbox: String = "INBOX") throws -> Int64? {
        let (_, output) = try doveadm(["mailbox", "status", "-u", user, "uidvalidity", mailbox])
        return output.split(separator: "=").last.flatMap { Int64($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    private func doveadm(_ arguments: [String]) throws -> (Int32, String) {
        try Self.run(doveadm, ["-c", configuration.path] + arguments)
    }

    static func run(_ program: String, _ arguments: [String], input: [UInt8]? = nil) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        let out = Pipe(), stdin = Pipe()
        process.standardOutput = out
        process.standardError = out
        process.standardInput = stdin
        try process.run()
        if let input { stdin.fileHandleForWriting.write(Data(input)) }
        try stdin.fileHandleForWriting.close()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// Stops Dovecot by pid and removes its directory. Safe to call twice.
    public func stop() {
        child.stop()
        try? FileManager.default.removeItem(at: directory)
    }
}
