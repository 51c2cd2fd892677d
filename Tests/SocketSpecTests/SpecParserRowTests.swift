import SocketSpec
import Testing

@Suite struct SpecParserRowTests {
    @Test func everyKindOfTableLandsInItsOwnList() throws {
        let spec = try SpecParser.parse(files: files(
            ("headers.tbl", "sys/socket.h\nnetinet/in.h\n"),
            ("constants-core.tbl", "SOMAXCONN CInt -\nCMSG_SPACE_1 Int CMSG_SPACE( 1 )\n"),
            ("options.tbl", "socket reuseaddr SO_REUSEADDR bool rw\nsocket linger SO_LINGER linger rw\ntcp info TCP_INFO bytes r\n"),
            ("msgflags.tbl", "peek MSG_PEEK\n"),
            ("cmsgs.tbl", "socket timestamp SO_TIMESTAMP bytes r\nsocket rights SCM_RIGHTS fds sr\n"),
            ("ioctls.tbl", "gifmtu SIOCGIFMTU int r\nsifmtu SIOCSIFMTU int w\n"),
            ("ioctlflags.tbl", "up IFF_UP\n"),
            ("domains.tbl", "inet AF_INET\n"),
            ("types.tbl", "stream SOCK_STREAM\n"),
            ("protocols.tbl", "tcp IPPROTO_TCP\n"),
            ("enums.tbl", "ip_tos lowdelay IPTOS_LOWDELAY\nip_tos mincost IPTOS_MINCOST\n")
        ))
        #expect(spec.headers == ["sys/socket.h", "netinet/in.h"])
        #expect(spec.constants.map(\.name) == ["SOMAXCONN", "CMSG_SPACE_1"])
        #expect(spec.constants[0].expression == "SOMAXCONN")
        #expect(spec.constants[1].expression == "CMSG_SPACE( 1 )", "the last column keeps its blanks")
        #expect(spec.constants[1].swiftType == "Int")
        #expect(spec.levels.map(\.constant) == ["SOL_SOCKET", "IPPROTO_TCP"])
        #expect(spec.options.map(\.name) == ["reuseaddr", "linger", "info"])
        #expect(spec.options[0].access == [.read, .write])
        #expect(spec.options[2].access == .read)
        #expect(spec.options[1].type == "linger")
        #expect(spec.options[2].location == SpecLocation(file: "options.tbl", line: 3))
        #expect(spec.msgFlags.map(\.constant) == ["MSG_PEEK"])
        #expect(spec.controlMessages.map(\.access) == [.read, [.read, .write]])
        #expect(spec.ioctls.map(\.access) == [.read, .write])
        #expect(spec.ioctlFlags.map(\.name) == ["up"])
        #expect(spec.domains.map(\.name) == ["inet"])
        #expect(spec.types.map(\.name) == ["stream"])
        #expect(spec.protocols.map(\.name) == ["tcp"])
        #expect(spec.enums.map(\.name) == ["ip_tos"])
        #expect(spec.enums[0].cases.map(\.constant) == ["IPTOS_LOWDELAY", "IPTOS_MINCOST"])
        #expect(spec.structs.map(\.name) == ["linger", "timeval"])
        #expect(spec.structs[0].fields == ["l_onoff", "l_linger"])
        #expect(spec.structs[1].fields == [], "'-' measures only size and alignment")
        #expect(spec.values.map(\.name) == ["Linger"])
        #expect(spec.values[0].members.map(\.kind) == [.bool, .int])
    }

    @Test func commentsBlankLinesAndTabsAreNotRows() throws {
        let spec = try SpecParser.parse(files: files(
            ("msgflags.tbl", "# name constant\n\n   \npeek\tMSG_PEEK   # trailing comment\r\n# oob MSG_OOB\n")
        ))
        #expect(spec.msgFlags.map(\.name) == ["peek"])
        #expect(spec.msgFlags[0].location.line == 4)
    }

    @Test func aFilesKindIsItsNameUpToTheFirstDashOrDot() throws {
        #expect(SpecParser.kind(ofFile: "Spec/options-sctp.tbl") == "options")
        #expect(SpecParser.kind(ofFile: "levels.tbl") == "levels")
        #expect(SpecParser.kind(ofFile: "README.md") == nil)
        let spec = try SpecParser.parse(files: files(
            ("options-b.tbl", "tcp nodelay TCP_NODELAY bool rw\n"),
            ("options-a.tbl", "socket debug SO_DEBUG int rw\n")
        ))
        #expect(spec.options.map(\.name) == ["debug", "nodelay"], "rows come in file-name order")
    }

    @Test func theFirstRowOfAStructOrValueOpensItAndLaterRowsAddFields() throws {
        let spec = try SpecParser.parse(files: files(("structs-more.tbl", "linger l_spare\n")))
        #expect(spec.structs.count == 2)
        #expect(spec.structs[0].fields == ["l_onoff", "l_linger", "l_spare"])
        #expect(spec.structs[0].cType == "struct linger")
    }

    @Test func theRepositorysSpecParsesAndCoversTheManual() throws {
        let spec = try RepositorySpec.load()
        #expect(spec.levels.map(\.name) == ["socket", "ip", "ipv6", "tcp", "udp", "sctp"])
        for name in ["reuseaddr", "acceptconn", "peercred", "linger", "rcvtimeo"] {
            #expect(spec.options.contains { $0.level == "socket" && $0.name == name }, "{socket, \(name)}")
        }
        #expect(spec.options.contains { $0.level == "tcp" && $0.name == "user_timeout" })
        #expect(spec.options.contains { $0.level == "socket" && $0.name == "acceptfilter" },
                "names Linux lacks keep their row")
        let constants = spec.probedConstants.map(\.name)
        #expect(constants == constants.sorted())
        #expect(Set(constants).count == constants.count, "each C name is probed once")
    }
}
