// Package users is the example users backend: public profiles of sellers
// and reviewers, served by id in batches.
package users
