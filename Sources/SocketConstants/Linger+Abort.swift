extension Linger {
    /// Erlang's `abort`, shorthand for `#{onoff => true, linger => 0}`: `close` resets the
    /// connection at once (TCP RST) and discards unsent data. In Erlang only valid to set,
    /// and a read returns the map; here it is a plain value, so a read compares equal to it.
    public static var abort: Linger { Linger(onoff: true, linger: 0) }
}
