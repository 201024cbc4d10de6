// Package catalog is the example catalog backend: products with prices,
// categories and stock, in memory.
package catalog
