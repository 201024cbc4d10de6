package auth

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"
	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/bffgen/bffgen/runtime/config"
	"github.com/bffgen/bffgen/runtime/request"
)

// maxKeyIDBytes bounds the "kid" header of a token: key ids are short.
const maxKeyIDBytes = 256

// The reasons a credential is refused, logged at debug level (never the
// credential itself) and carried by [CredentialError].
const (
	ReasonTooLarge       = "too_large"        // the token is over max_token_bytes
	ReasonMalformed      = "malformed"        // not three base64url segments of JSON
	ReasonAlgorithm      = "algorithm"        // "alg" is not in algorithms ("none" never is)
	ReasonUnknownKey     = "unknown_key"      // no key of the set has the token's "kid"
	ReasonSignature      = "signature"        // the signature does not verify
	ReasonExpired        = "expired"          // "exp" is past, beyond the leeway
	ReasonNotYetValid    = "not_yet_valid"    // "nbf" is in the future, beyond the leeway
	ReasonIssuedInFuture = "issued_in_future" // "iat" is in the future, beyond the leeway
	ReasonIssuer         = "issuer"           // "iss" is not the configured issuer
	ReasonAudience       = "audience"         // "aud" names none of the configured audiences
	ReasonMissingClaim   = "missing_claim"    // "exp", "sub" or a required claim is missing
	ReasonInvalidClaims  = "invalid_claims"   // a claim has the wrong type
	ReasonUnknownAPIKey  = "unknown_api_key"  // no key of the file has the key's hash
)

// jwtVerifier verifies JSON Web Tokens under the gateway.auth.jwt rules.
type jwtVerifier struct {
	parser   *jwt.Parser
	keyfunc  jwt.Keyfunc
	required []string
	maxBytes int
	leeway   time.Duration
	keys     *keySet // nil with an HMAC secret
	// verified caches the tokens that verified, by their SHA-256; nil when
	// gateway.auth.jwt.cache_size is 0.
	verified *lru.Cache[[sha256.Size]byte, verifiedToken]
}

// verifiedToken is a token that verified: its principal, its expiry, and
// the generation of the key set it verified with. A later request with the
// same token skips the signature while the key set is unchanged and the
// token has not expired ("nbf" and "iat" passed once stay passed).
type verifiedToken struct {
	principal  request.Principal
	expires    time.Time // exp + leeway
	generation uint64
}

func newJWTVerifier(cfg config.JWT, keys *keySet) (*jwtVerifier, error) {
	v := &jwtVerifier{
		parser: jwt.NewParser(
			jwt.WithValidMethods(cfg.Algorithms),
			jwt.WithIssuer(cfg.Issuer),
			jwt.WithAudience(cfg.Audiences...),
			jwt.WithLeeway(cfg.Leeway),
			jwt.WithExpirationRequired(),
			jwt.WithIssuedAt(),
			jwt.WithJSONNumber(),
			jwt.WithStrictDecoding(),
		),
		required: append([]string{"sub"}, cfg.RequiredClaims...),
		maxBytes: cfg.MaxTokenBytes,
		leeway:   cfg.Leeway,
		keys:     keys,
	}
	if cfg.CacheSize > 0 {
		c, err := lru.New[[sha256.Size]byte, verifiedToken](cfg.CacheSize)
		if err != nil {
			return nil, fmt.Errorf("gateway.auth.jwt.cache_size: %w", err)
		}
		v.verified = c
	}
	for _, alg := range cfg.Algorithms {
		if alg == "none" || jwt.GetSigningMethod(alg) == nil {
			return nil, fmt.Errorf("gateway.auth.jwt.algorithms: %q is not a signature algorithm this service can verify", alg)
		}
	}
	if keys == nil {
		secret := []byte(cfg.HMACSecret)
		v.keyfunc = func(t *jwt.Token) (any, error) {
			if _, ok := t.Method.(*jwt.SigningMethodHMAC); !ok {
				return nil, fmt.Errorf("%w: not an HMAC algorithm", jwt.ErrTokenSignatureInvalid)
			}
			return secret, nil
		}
		return v, nil
	}
	kf, err := keyfunc.New(keyfunc.Options{
		Storage: keys,
		// A key for signatures, or one that does not say.
		UseWhitelist: []jwkset.USE{jwkset.UseSig, ""},
	})
	if err != nil {
		return nil, err
	}
	v.keyfunc = func(t *jwt.Token) (any, error) {
		if kid, ok := t.Header["kid"]; ok {
			s, isString := kid.(string)
			if !isString || len(s) > maxKeyIDBytes {
				return nil, errUnknownKey
			}
		}
		return kf.Keyfunc(t)
	}
	return v, nil
}

// verify checks token and returns the principal it names, or the reason it
// is refused.
func (v *jwtVerifier) verify(_ context.Context, token string) (request.Principal, string) {
	if len(token) > v.maxBytes {
		return request.Principal{}, ReasonTooLarge
	}
	var sum [sha256.Size]byte
	generation := v.generation()
	if v.verified != nil {
		sum = sha256.Sum256([]byte(token))
		if hit, ok := v.verified.Get(sum); ok && hit.generation == generation && time.Now().Before(hit.expires) {
			return hit.principal, ""
		}
	}
	keyLooked := false
	claims := jwt.MapClaims{}
	_, err := v.parser.ParseWithClaims(token, claims, func(t *jwt.Token) (any, error) {
		keyLooked = true
		return v.keyfunc(t)
	})
	if err != nil {
		return request.Principal{}, classify(err, keyLooked)
	}
	for _, c := range v.required {
		if _, ok := claims[c]; !ok {
			return request.Principal{}, ReasonMissingClaim
		}
	}
	p, ok := principalOf(claims)
	if !ok {
		return request.Principal{}, ReasonInvalidClaims
	}
	if v.verified != nil {
		if exp, err := claims.GetExpirationTime(); err == nil && exp != nil {
			v.verified.Add(sum, verifiedToken{principal: p, expires: exp.Add(v.leeway), generation: generation})
		}
	}
	return p, ""
}

// generation returns the generation of the key set, 0 for a secret.
func (v *jwtVerifier) generation() uint64 {
	if v.keys == nil {
		return 0
	}
	return v.keys.generation.Load()
}

// classify turns an error of the JWT parser into a reason.
func classify(err error, keyLooked bool) string {
	switch {
	case errors.Is(err, jwt.ErrTokenMalformed):
		return ReasonMalformed
	case errors.Is(err, jwt.ErrTokenUnverifiable):
		return ReasonUnknownKey
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		if !keyLooked {
			return ReasonAlgorithm // refused before a key was looked up
		}
		return ReasonSignature
	case errors.Is(err, jwt.ErrTokenExpired):
		return ReasonExpired
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return ReasonNotYetValid
	case errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return ReasonIssuedInFuture
	case errors.Is(err, jwt.ErrTokenInvalidIssuer):
		return ReasonIssuer
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		return ReasonAudience
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return ReasonMissingClaim
	default:
		return ReasonInvalidClaims
	}
}

// principalOf builds the principal of verified claims: Subject from "sub"
// (a non-empty string, else ok is false), Scopes from "scope" (a string of
// space-separated scopes, RFC 8693), else "scp", else "scopes" (a list of
// strings or a space-separated string), Claims the claims themselves
// (numbers as json.Number).
func principalOf(claims jwt.MapClaims) (request.Principal, bool) {
	sub, ok := claims["sub"].(string)
	if !ok || sub == "" {
		return request.Principal{}, false
	}
	p := request.Principal{Subject: sub, Claims: claims}
	for _, name := range []string{"scope", "scp", "scopes"} {
		raw, present := claims[name]
		if !present {
			continue
		}
		switch s := raw.(type) {
		case string:
			p.Scopes = strings.Fields(s)
		case []any:
			p.Scopes = make([]string, 0, len(s))
			for _, e := range s {
				str, isString := e.(string)
				if !isString {
					return request.Principal{}, false
				}
				p.Scopes = append(p.Scopes, str)
			}
		default:
			return request.Principal{}, false
		}
		break
	}
	return p, true
}
