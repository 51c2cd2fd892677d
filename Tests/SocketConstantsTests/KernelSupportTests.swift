import Foundation
import SocketConstants
import SystemPackage
import Testing

/// `KernelSupport` asks the running kernel, separately from what the headers define.
@Suite struct KernelSupportTests {
    @Test func unixSocketsAlwaysOpenOnLinux() {
        #expect(KernelSupport.local() == KernelSupport.Answer(refusedWith: nil))
        #expect(KernelSupport.local().description == "true")
    }

    @Test func sctpIsEitherOpenedOrRefusedAsAnUnsupportedProtocol() {
        let answer = KernelSupport.sctp()
        if answer.isSupported {
            #expect(answer.error == nil)
        } else {
            // This machine's kernel refuses it with EPROTONOSUPPORT while the headers define it.
            let refusals: [Errno] = [.protocolNotSupported, .socketTypeNotSupported, .addressFamilyNotSupported]
            #expect(answer.error.map { refusals.contains($0) } == true, "\(answer)")
            #expect(answer.description.hasPrefix("false (errno "))
        }
    }

    @Test func netnsAnswersWhetherTheNamespaceFileExists() {
        #expect(KernelSupport.netns().isSupported == FileManager.default.fileExists(atPath: "/proc/self/ns/net"))
    }

    @Test func ipv6AnswersWhetherTheKernelHasIPv6() {
        // /proc/net/if_inet6 exists exactly when the kernel runs IPv6.
        #expect(KernelSupport.ipv6().isSupported == FileManager.default.fileExists(atPath: "/proc/net/if_inet6"))
    }

    @Test func onlyTheKernelsKeysAreAnswered() {
        #expect(KernelSupport.keys == ["sctp", "ipv6", "local", "netns"])
        #expect(KernelSupport.answer(for: "sendfile") == nil)
        #expect(KernelSupport.answer(for: "foo") == nil)
        #expect(KernelSupport.answer(for: "local")?.isSupported == true)
    }
}
