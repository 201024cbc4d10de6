// Package faultproxy is a small TCP proxy on 127.0.0.1 that injects
// network faults between a client and one backend, for the resilience
// tests of issue 11 (ANCHORS BF-1..BF-14) and `make chaos`.
//
// A [Proxy] listens on a free port of 127.0.0.1 and forwards every
// connection it accepts to its target, byte for byte: it knows nothing of
// HTTP, so HTTP/1.1, h2c and TLS all pass through it. Its [Fault] can be
// changed at any time with [Proxy.Set]; connections already open follow
// the new fault from their next chunk of bytes, except where a mode below
// says otherwise. The modes:
//
//   - [Pass] forwards everything (the zero Fault).
//   - [Down] closes the listener, so new connections are refused as by a
//     stopped process (ECONNREFUSED), and resets every open connection
//     (SO_LINGER 0). Leaving Down listens again on the same port.
//   - [Latency] holds every chunk of bytes for RequestDelay on its way to
//     the backend and ResponseDelay on its way back, in a delay line: the
//     chunks keep their order and throughput is not limited, as with
//     toxiproxy's latency toxic.
//   - [Reset] lets the request through, then resets the client's
//     connection (SO_LINGER 0) when the first bytes of the answer arrive,
//     and drops them: the backend ran the request, the client cannot know
//     it did. This is "reset after write" (BF-6). Over HTTP/1.1 the answer
//     starts once the backend handled the request; over HTTP/2 the
//     server's first frames (SETTINGS) may come before, and one reset ends
//     every stream of the connection, so a request may be cut before the
//     backend saw it.
//   - [Blackhole] accepts connections and drops every byte in both
//     directions: the backend sees nothing, the client never gets an
//     answer (BF-8).
//   - [Garble] inverts the bits of the answer after its first Offset
//     bytes (counted per connection from the moment the fault is set).
//   - [Truncate] forwards the first Offset bytes of the answer (counted
//     the same way), then closes both sides of the connection.
//   - [Flap] alternates Down for Period and Pass for Period, starting
//     Down, until the fault changes.
//
// [Proxy.Stats] counts connections accepted and open, resets sent and
// bytes forwarded in each direction. The proxy never listens on anything
// but 127.0.0.1, and [Proxy.Close] stops every goroutine it started.
//
// We wrote this rather than embed toxiproxy v2.5.0: its server pulls in a
// router, a metrics stack and a logger for what is here a few hundred
// lines, and its toxics have no "refuse new connections" (down) or flap
// of their own; the tests need exactly these modes, switched from Go.
package faultproxy
