// Package reviews is the example reviews backend: what customers wrote
// about products, in memory, newest first.
package reviews
