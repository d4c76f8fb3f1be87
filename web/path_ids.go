package web

import "net/http"

// pathIDs is pathID for a route with two ids ({id} and {cid}, {id} and
// {aid}): both parsed, the first bad one named.
func pathIDs(r *http.Request, first, second string) (int64, int64, error) {
	a, err := pathID(r, first)
	if err != nil {
		return 0, 0, err
	}
	b, err := pathID(r, second)
	return a, b, err
}
