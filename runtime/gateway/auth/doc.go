// Package auth is the authentication phase of the gateway pipeline: it
// establishes who calls (request.Principal) from a JSON Web Token or an API
// key, as gateway.auth of bff.yaml configures it.
//
// [New] builds an [Authenticator] once from the configuration. Its
// [Authenticator.Middleware] runs in gateway.PhaseAuthn: a verified
// credential sets the principal of the request seam
// (github.com/bffgen/bffgen/runtime/request), which the resolvers, the
// batcher and the sidecar read (the sidecar forwards chosen claims to
// backends as headers, upstreams.<name>.forward_claims); a credential that
// does not verify is answered with 401 and the code UNAUTHENTICATED before
// any GraphQL work, so no backend is called. [Authenticator.SubscriptionInit]
// verifies the credential of a websocket's connection_init message the same
// way (a refusal closes the socket with 4403).
//
// # Tokens
//
// A token comes from "Authorization: Bearer", or a cookie, and is verified
// by github.com/golang-jwt/jwt/v5: the algorithm must be one of
// gateway.auth.jwt.algorithms (never "none"; HMAC only with a configured
// secret, asymmetric algorithms only with a key set, so the two cannot be
// confused), the signature must verify with the key named by "kid" (looked
// up by github.com/MicahParks/keyfunc/v3 in a key set kept by
// github.com/MicahParks/jwkset; keys are never taken from the token's own
// "jwk", "jku" or "x5u" headers), "exp" must be present and not past,
// "nbf" and "iat" not in the future (each with the leeway), "iss" must be
// the issuer, "aud" must name one of the audiences, and "sub" and the
// required claims must be present. A token over max_token_bytes is refused
// before it is decoded.
//
// The key set of a URL is fetched at start, every refresh_interval, and
// when a token names a key id it does not hold, at most once per
// unknown_kid_refresh_interval: a flood of made-up key ids costs the
// issuer one fetch per interval, and a token that finds that budget spent
// is refused at once instead of waiting. A failed fetch keeps the keys of
// the last successful one.
//
// # API keys
//
// An API key comes from a header (X-Api-Key by default) and is looked up by
// its SHA-256 among the hashes of a key file, comparing every hash in
// constant time. The file is read again every reload_interval: a key
// removed from it is refused from the next read on.
package auth
