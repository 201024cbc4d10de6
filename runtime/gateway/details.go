package gateway

import (
	"strings"

	"connectrpc.com/connect"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/protobuf/encoding/protojson"
)

// addDetails copies the google.rpc error details of a backend error that
// are safe to show into a GraphQL error's extensions:
//
//   - ErrorInfo: reason, domain and metadata;
//   - BadRequest: fieldViolations, a list of {field, description};
//   - RetryInfo: retryAfter, a protojson duration such as "1.500s";
//   - LocalizedMessage: localizedMessage, {locale, message}.
//
// Every other detail (DebugInfo, stack traces, types the service does not
// know) is never shown.
func addDetails(ext map[string]any, ce *connect.Error) {
	for _, d := range ce.Details() {
		v, err := d.Value()
		if err != nil {
			continue
		}
		switch m := v.(type) {
		case *errdetails.ErrorInfo:
			ext["reason"] = m.GetReason()
			if m.GetDomain() != "" {
				ext["domain"] = m.GetDomain()
			}
			if len(m.GetMetadata()) > 0 {
				ext["metadata"] = m.GetMetadata()
			}
		case *errdetails.BadRequest:
			violations := make([]map[string]any, 0, len(m.GetFieldViolations()))
			for _, fv := range m.GetFieldViolations() {
				violations = append(violations, map[string]any{"field": fv.GetField(), "description": fv.GetDescription()})
			}
			ext["fieldViolations"] = violations
		case *errdetails.RetryInfo:
			if out, err := protojson.Marshal(m.GetRetryDelay()); err == nil && m.GetRetryDelay() != nil {
				ext["retryAfter"] = strings.Trim(string(out), `"`)
			}
		case *errdetails.LocalizedMessage:
			ext["localizedMessage"] = map[string]any{"locale": m.GetLocale(), "message": m.GetMessage()}
		}
	}
}
