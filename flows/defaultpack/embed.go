// Package defaultpack holds the sample screening pack that ships inside the hotline
// binary: a fictional "Example County" hotline in English and Spanish, used when no
// pack folder is configured. Coordinators copy this folder and make it their own.
package defaultpack

import "embed"

// FS is the pack folder: pack.yaml at its root, flows/, tests/ and the rest.
//
//go:embed *.yaml flows tests
var FS embed.FS
