package sidecar

import (
	"compress/gzip"
	"io"
	"net/http"

	"connectrpc.com/connect"
)

// gzipOption replaces connect-go's default gzip with one whose
// decompressors cost less between two calls: connect-go resets a
// decompressor to http.NoBody before pooling it, and gzip.Reader wraps
// every reader that is not an io.ByteReader in a new 4 KiB bufio.Reader,
// so each call that received a gzipped message left one behind as
// garbage. What is decompressed, and what the calls advertise, is
// unchanged.
func gzipOption() connect.ClientOption {
	return connect.WithAcceptCompression("gzip",
		func() connect.Decompressor { return new(gzipReader) },
		func() connect.Compressor { return gzip.NewWriter(io.Discard) })
}

// gzipReader is a gzip.Reader that lets go of its source without a
// bufio.Reader when connect-go pools it.
type gzipReader struct{ gzip.Reader }

// Reset starts reading r; http.NoBody (connect-go's reset before pooling)
// drops the previous source instead, which gzip.Reader does at no cost
// for an io.ByteReader (it fails at once on the empty header).
func (z *gzipReader) Reset(r io.Reader) error {
	if r == http.NoBody {
		r = noBytes{}
	}
	return z.Reader.Reset(r)
}

// noBytes is an empty io.Reader and io.ByteReader, without state.
type noBytes struct{}

func (noBytes) Read([]byte) (int, error) { return 0, io.EOF }
func (noBytes) ReadByte() (byte, error)  { return 0, io.EOF }
