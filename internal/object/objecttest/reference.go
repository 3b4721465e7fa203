package objecttest

import (
	"sort"
	"strings"
)

// RefPage is one page of a listing as the reference computes it.
type RefPage struct {
	Keys           []string
	CommonPrefixes []string
	IsTruncated    bool
	NextMarker     string
}

// ReferenceList lists keys the naive way: sort everything, roll up,
// filter by marker, cut at maxKeys. It is deliberately independent of
// object.List so each checks the other.
func ReferenceList(keys []string, prefix, delimiter, marker string, maxKeys int) RefPage {
	sorted := append([]string(nil), keys...)
	sort.Strings(sorted)
	type item struct {
		name string
		cp   bool
	}
	var items []item
	seen := map[string]bool{}
	for _, k := range sorted {
		if !strings.HasPrefix(k, prefix) {
			continue
		}
		if delimiter != "" {
			if i := strings.Index(k[len(prefix):], delimiter); i >= 0 {
				cp := k[:len(prefix)+i+len(delimiter)]
				if !seen[cp] {
					seen[cp] = true
					items = append(items, item{cp, true})
				}
				continue
			}
		}
		items = append(items, item{k, false})
	}
	sort.SliceStable(items, func(i, j int) bool { return items[i].name < items[j].name })
	var page RefPage
	n := 0
	for _, it := range items {
		if it.name <= marker {
			continue
		}
		if n == maxKeys {
			page.IsTruncated = true
			if n == 0 {
				page.NextMarker = marker
			}
			break
		}
		n++
		if it.cp {
			page.CommonPrefixes = append(page.CommonPrefixes, it.name)
		} else {
			page.Keys = append(page.Keys, it.name)
		}
		page.NextMarker = it.name
	}
	return page
}
