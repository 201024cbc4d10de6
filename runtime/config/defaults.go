package config

import "time"

// Default returns the configuration of an empty file: production mode, no
// upstreams, every other field at its documented default.
func Default() *Config {
	c := &Config{}
	applyDefaults(c, func(string) bool { return false })
	return c
}

// applyDefaults sets every field whose path set reports as absent from the
// file. Mode-dependent defaults follow c.Mode, which must be set first when
// the file or an option sets it.
func applyDefaults(c *Config, set func(path string) bool) {
	def := func(path string, apply func()) {
		if !set(path) {
			apply()
		}
	}
	def("mode", func() { c.Mode = ModeProduction })
	dev := c.Mode == ModeDevelopment

	def("listen", func() { c.Listen = ":8080" })
	def("admin", func() { c.Admin = ":9090" })

	s := &c.Server
	def("server.read_header_timeout", func() { s.ReadHeaderTimeout = 5 * time.Second })
	def("server.read_timeout", func() { s.ReadTimeout = 30 * time.Second })
	def("server.write_timeout", func() { s.WriteTimeout = 60 * time.Second })
	def("server.idle_timeout", func() { s.IdleTimeout = 120 * time.Second })
	def("server.max_header_bytes", func() { s.MaxHeaderBytes = 16 << 10 })
	def("server.max_headers", func() { s.MaxHeaders = 100 })
	def("server.request_timeout", func() { s.RequestTimeout = 10 * time.Second })
	def("server.shutdown.drain_delay", func() {
		s.Shutdown.DrainDelay = 5 * time.Second
		if dev {
			s.Shutdown.DrainDelay = 0
		}
	})
	def("server.shutdown.timeout", func() { s.Shutdown.Timeout = 25 * time.Second })
	def("server.min_heap_bytes", func() { s.MinHeapBytes = 8 << 20 })

	for name, u := range c.Upstreams {
		p := "upstreams." + name
		def(p+".protocol", func() { u.Protocol = ProtocolConnect })
		def(p+".timeout", func() { u.Timeout = time.Second })
		def(p+".max_message_bytes", func() { u.MaxMessageBytes = DefaultMaxMessageBytes })
		c.Upstreams[name] = u
	}

	g := &c.Gateway
	def("gateway.cors.allowed_methods", func() { g.CORS.AllowedMethods = []string{"GET", "POST"} })
	def("gateway.cors.allowed_headers", func() {
		g.CORS.AllowedHeaders = []string{"Accept", "Authorization", "Content-Type", "X-Request-Id"}
	})
	def("gateway.cors.max_age", func() { g.CORS.MaxAge = 10 * time.Minute })
	def("gateway.limits.max_body_bytes", func() { g.Limits.MaxBodyBytes = 1 << 20 })
	def("gateway.graphql.path", func() { g.GraphQL.Path = "/graphql" })
	def("gateway.graphql.introspection", func() { g.GraphQL.Introspection = dev })
	def("gateway.graphql.graphiql", func() { g.GraphQL.GraphiQL = dev })
	def("gateway.graphql.max_tokens", func() { g.GraphQL.MaxTokens = 15000 })
	def("gateway.graphql.max_depth", func() { g.GraphQL.MaxDepth = 10 })
	def("gateway.graphql.max_aliases", func() { g.GraphQL.MaxAliases = 15 })
	def("gateway.graphql.max_root_fields", func() { g.GraphQL.MaxRootFields = 20 })
	def("gateway.graphql.max_directives", func() { g.GraphQL.MaxDirectives = 50 })
	def("gateway.graphql.max_fields", func() { g.GraphQL.MaxFields = 3500 })
	def("gateway.graphql.max_validation_work", func() { g.GraphQL.MaxValidationWork = 50000 })
	def("gateway.graphql.max_cost", func() { g.GraphQL.MaxCost = 5000 })
	def("gateway.graphql.default_list_size", func() { g.GraphQL.DefaultListSize = 10 })
	def("gateway.graphql.cost_report", func() { g.GraphQL.CostReport = false })
	def("gateway.graphql.variables.max_depth", func() { g.GraphQL.Variables.MaxDepth = 32 })
	def("gateway.graphql.variables.max_list_length", func() { g.GraphQL.Variables.MaxListLength = 10000 })
	def("gateway.graphql.variables.max_string_length", func() { g.GraphQL.Variables.MaxStringLength = 256 << 10 })
	def("gateway.graphql.variables.max_values", func() { g.GraphQL.Variables.MaxValues = 20000 })
	def("gateway.graphql.max_errors", func() { g.GraphQL.MaxErrors = 10 })
	def("gateway.graphql.max_response_bytes", func() { g.GraphQL.MaxResponseBytes = 10 << 20 })
	def("gateway.graphql.persisted.mode", func() { g.GraphQL.Persisted.Mode = PersistedOff })
	def("gateway.graphql.persisted.apq_register", func() { g.GraphQL.Persisted.APQRegister = dev })
	def("gateway.request_id.header", func() { g.RequestID.Header = "X-Request-Id" })
	def("gateway.csrf.enabled", func() { g.CSRF.Enabled = true })
	def("gateway.csrf.required_headers", func() {
		g.CSRF.RequiredHeaders = []string{"X-Apollo-Operation-Name", "Apollo-Require-Preflight"}
	})
	def("gateway.subscriptions.max_per_connection", func() { g.Subscriptions.MaxPerConnection = 100 })
	def("gateway.subscriptions.max_message_bytes", func() { g.Subscriptions.MaxMessageBytes = g.Limits.MaxBodyBytes })
	def("gateway.subscriptions.init_timeout", func() { g.Subscriptions.InitTimeout = 3 * time.Second })
	def("gateway.subscriptions.keep_alive", func() { g.Subscriptions.KeepAlive = 15 * time.Second })
	def("gateway.strip_headers", func() {
		g.StripHeaders = []string{"X-Forwarded-User", "X-User-Id", "X-Auth-Request-User", "X-Auth-Request-Email", "X-Remote-User", "Remote-User"}
	})
	rateLimitDefaults(&g.RateLimit, def)

	a := &g.Auth
	def("gateway.auth.allow_anonymous", func() { a.AllowAnonymous = true })
	def("gateway.auth.jwt.algorithms", func() {
		if a.JWT.HMACSecret != "" {
			a.JWT.Algorithms = []string{"HS256"}
			return
		}
		a.JWT.Algorithms = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
	})
	def("gateway.auth.jwt.leeway", func() { a.JWT.Leeway = 30 * time.Second })
	def("gateway.auth.jwt.refresh_interval", func() { a.JWT.RefreshInterval = 5 * time.Minute })
	def("gateway.auth.jwt.unknown_kid_refresh_interval", func() { a.JWT.UnknownKIDRefreshInterval = 10 * time.Second })
	def("gateway.auth.jwt.fetch_timeout", func() { a.JWT.FetchTimeout = 5 * time.Second })
	def("gateway.auth.jwt.max_token_bytes", func() { a.JWT.MaxTokenBytes = 8 << 10 })
	def("gateway.auth.jwt.cache_size", func() { a.JWT.CacheSize = 10000 })
	def("gateway.auth.api_keys.header", func() { a.APIKeys.Header = "X-Api-Key" })
	def("gateway.auth.api_keys.reload_interval", func() { a.APIKeys.ReloadInterval = 10 * time.Second })

	t := &c.Telemetry
	def("telemetry.log.level", func() { t.Log.Level = "info" })
	def("telemetry.log.format", func() {
		t.Log.Format = LogFormatJSON
		if dev {
			t.Log.Format = LogFormatText
		}
	})
}
