package api_test

import "strings"

type stringsReader = strings.Reader

func newReader(s string) *strings.Reader { return strings.NewReader(s) }
