// Command devtoken mints JSON Web Tokens for trying the shop BFF's
// authentication in development: they are signed with the development key
// in dev/ (ES256), whose public half is the JWKS of bff.yaml. Never use that
// key, or these tokens, anywhere but on your own machine.
//
//	go run ./cmd/devtoken -sub u-1 -scope reviews:write
//	go run ./cmd/devtoken -new-key   # writes a new dev key pair into dev/
//
// It prints the token on standard output, so that
//
//	curl -H "Authorization: Bearer $(go run ./cmd/devtoken -sub u-1)" ...
//
// works.
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/bffgen/bffgen/examples/shop/dev/devkey"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "devtoken:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("devtoken", flag.ContinueOnError)
	dir := fs.String("dir", "dev", "directory of the development key pair ("+devkey.KeyFile+", "+devkey.JWKSFile+")")
	sub := fs.String("sub", "u-1", "subject (the sub claim): a user id of the example backends")
	scope := fs.String("scope", "", "space-separated scopes (the scope claim), e.g. \"reviews:write pii:read\"")
	ttl := fs.Duration("ttl", time.Hour, "lifetime of the token")
	iss := fs.String("iss", devkey.Issuer, "issuer (the iss claim)")
	aud := fs.String("aud", devkey.Audience, "audience (the aud claim)")
	newKey := fs.Bool("new-key", false, "write a new development key pair into -dir instead of minting a token")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q: every option is a flag, see -h", fs.Args())
	}
	if *newKey {
		return devkey.WriteKeyPair(*dir)
	}
	signed, err := devkey.Mint(*dir, *iss, *aud, *sub, *scope, *ttl, time.Now())
	if err != nil {
		return err
	}
	fmt.Println(signed)
	return nil
}
