package ratelimit

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/netip"
	"strings"

	"github.com/bffgen/bffgen/runtime/config"
	"github.com/bffgen/bffgen/runtime/request"
)

// keyKind is what a rule counts by.
type keyKind uint8

const (
	keyClaim keyKind = iota
	keyAPIKey
	keyClientIP
	keyOperation
	keyHeader
)

// parseKey splits a rule key that config validation accepted.
func parseKey(k string) (keyKind, string) {
	switch {
	case k == config.KeyAPIKey:
		return keyAPIKey, ""
	case k == config.KeyClientIP:
		return keyClientIP, ""
	case k == config.KeyOperation:
		return keyOperation, ""
	case strings.HasPrefix(k, config.KeyClaimPrefix):
		return keyClaim, strings.TrimPrefix(k, config.KeyClaimPrefix)
	default:
		return keyHeader, http.CanonicalHeaderKey(strings.TrimPrefix(k, config.KeyHeaderPrefix))
	}
}

// maxKeyLen bounds a caller key as stored; a longer one (a long header
// value, say) is replaced by its SHA-256.
const maxKeyLen = 96

// callerKey returns the key of a request for a rule of kind k: a short
// tag, ":" and the value, or the client address ("ip:...") when the value
// is missing.
func callerKey(k keyKind, arg string, req *request.Request, header http.Header, ip, op string) string {
	var key string
	switch k {
	case keyClaim:
		if req != nil && !req.Principal.Anonymous() {
			if v, ok := req.Principal.Claims[arg]; ok && v != nil {
				key = "c:" + claimString(v)
			} else if arg == "sub" {
				key = "c:" + req.Principal.Subject
			}
		}
	case keyAPIKey:
		// The authentication phase names an API-key caller by its key's
		// name and gives it no claims; a JWT caller has claims.
		if req != nil && !req.Principal.Anonymous() && req.Principal.Claims == nil {
			key = "k:" + req.Principal.Subject
		}
	case keyOperation:
		return bounded("op:" + op)
	case keyHeader:
		if v := header.Get(arg); v != "" {
			key = "h:" + v
		}
	}
	if key == "" {
		key = "ip:" + ip
	}
	return bounded(key)
}

func claimString(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return fmt.Sprint(v)
}

func bounded(key string) string {
	if len(key) <= maxKeyLen {
		return key
	}
	sum := sha256.Sum256([]byte(key))
	return "#" + hex.EncodeToString(sum[:])
}

// clientIP returns the client address of r: the connection's peer or,
// when the peer is a trusted proxy, the rightmost address of
// X-Forwarded-For that is not a trusted proxy (an unparsable entry stops
// the walk at the last trusted hop). An IPv6 client is keyed by its /64,
// which one host usually holds whole. A peer that is not an IP address
// (a unix socket) is returned as it is.
func clientIP(r *http.Request, trusted []netip.Prefix) string {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	var addr netip.Addr
	if err == nil {
		addr = ap.Addr()
	} else if addr, err = netip.ParseAddr(r.RemoteAddr); err != nil {
		return r.RemoteAddr
	}
	addr = addr.Unmap()
	if len(trusted) > 0 && isTrusted(addr, trusted) {
		xff := r.Header.Values("X-Forwarded-For")
	walk:
		for i := len(xff) - 1; i >= 0; i-- {
			list := xff[i]
			for list != "" {
				entry := list
				if j := strings.LastIndexByte(list, ','); j >= 0 {
					entry, list = list[j+1:], list[:j]
				} else {
					list = ""
				}
				next, ok := parseForwarded(strings.TrimSpace(entry))
				if !ok {
					break walk
				}
				addr = next
				if !isTrusted(addr, trusted) {
					break walk
				}
			}
		}
	}
	if addr.Is6() {
		return netip.PrefixFrom(addr, 64).Masked().String()
	}
	return addr.String()
}

// parseForwarded parses an X-Forwarded-For entry: an address, with or
// without a port ("192.0.2.1:4711", "[2001:db8::1]:4711").
func parseForwarded(s string) (netip.Addr, bool) {
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap(), true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap(), true
	}
	return netip.Addr{}, false
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
