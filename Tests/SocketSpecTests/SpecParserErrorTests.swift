import SocketSpec
import Testing

/// Every malformed row is refused with its file and line, as compilers report errors.
@Suite struct SpecParserErrorTests {
    func expectError(_ files: [(name: String, text: String)], at file: String, _ line: Int, mentioning words: String...,
                     sourceLocation: SourceLocation = #_sourceLocation) {
        guard let error = parseError(files) else {
            Issue.record("parsed without error", sourceLocation: sourceLocation)
            return
        }
        #expect(error.location == SpecLocation(file: file, line: line), "\(error)", sourceLocation: sourceLocation)
        #expect(error.description.hasPrefix("\(file):\(line): error: "), sourceLocation: sourceLocation)
        for word in words {
            #expect(error.message.contains(word), "'\(error.message)' should mention '\(word)'", sourceLocation: sourceLocation)
        }
    }

    @Test func wrongColumnCount() {
        expectError(files(("options.tbl", "# comment\nsocket debug SO_DEBUG int\n")), at: "options.tbl", 2,
                    mentioning: "4 columns", "expected 5")
        expectError(files(("msgflags.tbl", "peek MSG_PEEK extra\n")), at: "msgflags.tbl", 1, mentioning: "3 columns")
    }

    @Test func emptyCellWhereAValueIsRequired() {
        expectError(files(("domains.tbl", "inet -\n")), at: "domains.tbl", 1, mentioning: "'constant'", "empty")
    }

    @Test func badAccess() {
        expectError(files(("options.tbl", "socket debug SO_DEBUG int rx\n")), at: "options.tbl", 1, mentioning: "access 'rx'")
        expectError(files(("cmsgs.tbl", "socket rights SCM_RIGHTS fds rw\n")), at: "cmsgs.tbl", 1, mentioning: "access 'rw'")
        expectError(files(("ioctls.tbl", "\ngifmtu SIOCGIFMTU int rw\n")), at: "ioctls.tbl", 2, mentioning: "access 'rw'")
    }

    @Test func unknownKindOfTable() {
        expectError(files(("sockets.tbl", "a b\n")), at: "sockets.tbl", 1, mentioning: "unknown table kind")
    }

    @Test func unknownLevel() {
        expectError(files(("options.tbl", "socket debug SO_DEBUG int rw\nudp cork UDP_CORK bool rw\n")),
                    at: "options.tbl", 2, mentioning: "unknown level 'udp'")
        expectError(files(("cmsgs.tbl", "ipv6 tclass IPV6_TCLASS int sr\n")), at: "cmsgs.tbl", 1, mentioning: "unknown level 'ipv6'")
    }

    @Test func unknownValueType() {
        expectError(files(("options.tbl", "socket linger SO_LINGER lingr rw\n")), at: "options.tbl", 1,
                    mentioning: "unknown value type 'lingr'")
        expectError(files(("cmsgs.tbl", "socket x SCM_X nothing r\n")), at: "cmsgs.tbl", 1, mentioning: "unknown value type 'nothing'")
    }

    @Test func unknownSwiftTypeOrFieldKind() {
        expectError(files(("constants.tbl", "SOMAXCONN Int32 -\n")), at: "constants.tbl", 1, mentioning: "Swift type 'Int32'")
        expectError(files(("values.tbl", "Linger linger l_onoff onoff boolean\n")), at: "values.tbl", 1, mentioning: "field kind 'boolean'")
    }

    @Test func duplicateRowsNameTheFirst() {
        expectError(files(("options.tbl", "socket debug SO_DEBUG int rw\n\nsocket debug SO_DEBUG bool rw\n")),
                    at: "options.tbl", 3, mentioning: "{socket, debug}", "options.tbl:1")
        // `levels-more.tbl` sorts before `levels.tbl`, so the row of `levels.tbl` is the second.
        expectError(files(("levels-more.tbl", "socket SOL_SOCKET\n")), at: "levels.tbl", 2, mentioning: "level 'socket'", "levels-more.tbl:1")
        expectError(files(("cmsgs.tbl", "socket rights SCM_RIGHTS fds sr\nsocket rights SCM_RIGHTS fds s\n")),
                    at: "cmsgs.tbl", 2, mentioning: "{socket, rights}")
        expectError(files(("ioctls.tbl", "gifmtu SIOCGIFMTU int r\ngifmtu SIOCGIFMTU int r\n")), at: "ioctls.tbl", 2, mentioning: "gifmtu")
        expectError(files(("constants.tbl", "SOMAXCONN CInt -\nSOMAXCONN Int -\n")), at: "constants.tbl", 2, mentioning: "SOMAXCONN")
        expectError(files(("enums.tbl", "ip_tos lowdelay IPTOS_LOWDELAY\nip_tos lowdelay IPTOS_LOWDELAY\n")),
                    at: "enums.tbl", 2, mentioning: "ip_tos value 'lowdelay'")
        expectError(files(("msgflags.tbl", "peek MSG_PEEK\npeek MSG_PEEK\n")), at: "msgflags.tbl", 2, mentioning: "message flag 'peek'")
        expectError(files(("protocols.tbl", "tcp IPPROTO_TCP\ntcp IPPROTO_TCP\n")), at: "protocols.tbl", 2, mentioning: "protocol 'tcp'")
    }

    @Test func badCIdentifier() {
        expectError(files(("options.tbl", "socket debug SO-DEBUG int rw\n")), at: "options.tbl", 1, mentioning: "'SO-DEBUG' is not a C identifier")
        expectError(files(("constants.tbl", "1SOMAXCONN CInt -\n")), at: "constants.tbl", 1, mentioning: "'1SOMAXCONN'")
        expectError(files(("levels.tbl", "socket SOL_SOCKET;\n")), at: "levels.tbl", 1, mentioning: "'SOL_SOCKET;'")
        expectError(files(("enums.tbl", "ip_tos lowdelay IPTOS_LOW(DELAY)\n")), at: "enums.tbl", 1, mentioning: "not a C identifier")
        expectError(files(("structs-x.tbl", "struct.x field\n")), at: "structs-x.tbl", 1, mentioning: "'struct.x'")
    }

    @Test func valuesMustReferenceAListedStructAndField() {
        expectError(files(("values.tbl", "Linger linger l_onoff onoff bool\nTimespec timespec tv_sec sec int\n")),
                    at: "values.tbl", 2, mentioning: "struct timespec", "no structs table")
        expectError(files(("values.tbl", "Linger linger l_onoff onoff bool\nLinger linger l_secs secs int\n")),
                    at: "values.tbl", 2, mentioning: "field l_secs")
        expectError(files(("values.tbl", "Linger linger l_onoff onoff bool\nLinger timeval tv_sec sec int\n")),
                    at: "values.tbl", 2, mentioning: "values.tbl:1")
    }
}
