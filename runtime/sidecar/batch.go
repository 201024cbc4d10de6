package sidecar

// MaxBatchSize returns the largest number of keys one @batch call to the
// named upstream may carry: its configured max_batch_size when that is set
// (> 0), else def, the spec's maxBatchSize. A missing upstream gives def.
func (s *Set) MaxBatchSize(upstream string, def int) int {
	if u, ok := s.Upstream(upstream); ok && u.maxBatchSize > 0 {
		return u.maxBatchSize
	}
	return def
}
