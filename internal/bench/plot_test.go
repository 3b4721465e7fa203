package bench

import (
	"bytes"
	"image/png"
	"path/filepath"
	"testing"
)

func TestPlotDrawsEverySeries(t *testing.T) {
	t.Parallel()
	rep := &Report{Results: []Result{
		{Op: "sts", Target: "fedstore", Concurrency: 1, OpsPerSec: 300},
		{Op: "sts", Target: "fedstore", Concurrency: 32, OpsPerSec: 6000},
		{Op: "get4k", Target: "fedstore", Concurrency: 1, OpsPerSec: 2500},
		{Op: "get4k", Target: "fedstore", Concurrency: 32, OpsPerSec: 9000},
		{Op: "get4k", Target: "baseline", Concurrency: 32, OpsPerSec: 30000},
	}}
	ss := rep.plotSeries()
	if len(ss) != 2 || ss[0].name != "sts" || len(ss[1].x) != 2 {
		t.Fatalf("series = %+v; want sts and get4k, fedstore only", ss)
	}
	b, err := rep.PlotPNG()
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if img.Bounds().Dx() != plotW || img.Bounds().Dy() != plotH {
		t.Fatalf("plot is %v", img.Bounds())
	}
	for i := range ss {
		want := plotColors[i]
		found := false
		for y := 0; y < plotH && !found; y++ {
			for x := 0; x < plotW; x++ {
				r, g, b, _ := img.At(x, y).RGBA()
				if uint8(r>>8) == want.R && uint8(g>>8) == want.G && uint8(b>>8) == want.B {
					found = true
					break
				}
			}
		}
		if !found {
			t.Errorf("no pixel of series %s's color", ss[i].name)
		}
	}
	if _, err := (&Report{}).PlotPNG(); err == nil {
		t.Errorf("an empty report plotted")
	}
	path := filepath.Join(t.TempDir(), "r.json")
	if err := rep.WriteJSONFile(path); err != nil {
		t.Fatal(err)
	}
	back, err := ReadJSONFile(path)
	if err != nil || len(back.Results) != len(rep.Results) {
		t.Fatalf("ReadJSONFile = %v, %v", back, err)
	}
}
