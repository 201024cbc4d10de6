// Package stream turns a backend's server stream into the channel a gqlgen
// subscription resolver returns: every message, mapped, in order, until the
// backend ends the stream or the client leaves. When the client leaves (its
// context is done) the backend stream is closed at once, so the backend
// sees the cancellation and no goroutine is left behind.
//
// gqlgen has no way for a subscription resolver to attach an error to a
// later event, so a stream that fails after the subscription started ends
// it (the client receives "complete") and the error is logged with its
// upstream and procedure.
package stream
