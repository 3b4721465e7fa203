package bench

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math"
	"os"
	"slices"
	"strconv"
)

// Plot geometry.
const (
	plotW, plotH         = 960, 600
	marginL, marginR     = 90, 190
	marginT, marginB     = 50, 60
	plotFontScale        = 2
	plotLegendLineLength = 24
)

var plotColors = []color.RGBA{
	{0xd6, 0x27, 0x28, 0xff}, // red
	{0x1f, 0x77, 0xb4, 0xff}, // blue
	{0x2c, 0xa0, 0x2c, 0xff}, // green
	{0xff, 0x7f, 0x0e, 0xff}, // orange
	{0x94, 0x67, 0xbd, 0xff}, // purple
	{0x8c, 0x56, 0x4b, 0xff}, // brown
	{0x17, 0xbe, 0xcf, 0xff}, // cyan
	{0x7f, 0x7f, 0x7f, 0xff}, // grey
}

// series is one line of the plot: fedstore ops/s of one op by concurrency.
type series struct {
	name string
	x    []int
	y    []float64
}

// plotSeries collects, for every op measured on fedstore, ops/s against
// concurrency (sorted).
func (r *Report) plotSeries() []series {
	var out []series
	idx := map[string]int{}
	for _, res := range r.Results {
		if res.Target != "fedstore" {
			continue
		}
		i, ok := idx[res.Op]
		if !ok {
			i = len(out)
			idx[res.Op] = i
			out = append(out, series{name: res.Op})
		}
		out[i].x = append(out[i].x, res.Concurrency)
		out[i].y = append(out[i].y, res.OpsPerSec)
	}
	return out
}

// PlotPNG draws ops/s (log scale) against concurrency (log scale) for
// every fedstore op: exchanges/s for sts, requests/s for GET and PUT.
func (r *Report) PlotPNG() ([]byte, error) {
	ss := r.plotSeries()
	if len(ss) == 0 {
		return nil, fmt.Errorf("plot: no fedstore results")
	}
	var xs []int
	minY, maxY := math.Inf(1), 0.0
	for _, s := range ss {
		xs = append(xs, s.x...)
		for _, y := range s.y {
			if y > 0 {
				minY, maxY = math.Min(minY, y), math.Max(maxY, y)
			}
		}
	}
	slices.Sort(xs)
	xs = slices.Compact(xs)
	if maxY == 0 {
		return nil, fmt.Errorf("plot: every result is 0 ops/s")
	}
	lo, hi := math.Floor(math.Log10(minY)), math.Ceil(math.Log10(maxY))
	if hi == lo {
		hi++
	}
	img := image.NewRGBA(image.Rect(0, 0, plotW, plotH))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	black := color.RGBA{0, 0, 0, 0xff}
	grid := color.RGBA{0xdd, 0xdd, 0xdd, 0xff}
	x0, x1, y0, y1 := marginL, plotW-marginR, plotH-marginB, marginT
	px := func(c int) int {
		if len(xs) == 1 {
			return (x0 + x1) / 2
		}
		lmin, lmax := math.Log2(float64(xs[0])), math.Log2(float64(xs[len(xs)-1]))
		return x0 + int((math.Log2(float64(c))-lmin)/(lmax-lmin)*float64(x1-x0))
	}
	py := func(v float64) int {
		if v <= 0 {
			return y0
		}
		return y0 - int((math.Log10(v)-lo)/(hi-lo)*float64(y0-y1))
	}
	// Grid and y ticks: every power of ten, and 2x, 5x between.
	for e := lo; e <= hi; e++ {
		for _, m := range []float64{1, 2, 5} {
			v := m * math.Pow(10, e)
			if math.Log10(v) > hi+1e-9 {
				continue
			}
			y := py(v)
			hline(img, x0, x1, y, grid)
			label := strconv.FormatFloat(v, 'f', -1, 64)
			drawText(img, x0-10-textWidth(label, plotFontScale), y-7, label, black, plotFontScale)
		}
	}
	for _, c := range xs {
		x := px(c)
		vline(img, x, y1, y0, grid)
		label := strconv.Itoa(c)
		drawText(img, x-textWidth(label, plotFontScale)/2, y0+10, label, black, plotFontScale)
	}
	hline(img, x0, x1, y0, black)
	vline(img, x0, y1, y0, black)
	title := "fedstore ops/s (log) against concurrent clients"
	drawText(img, x0, 15, title, black, plotFontScale)
	xl := "concurrent clients"
	drawText(img, (x0+x1)/2-textWidth(xl, plotFontScale)/2, y0+35, xl, black, plotFontScale)

	for i, s := range ss {
		c := plotColors[i%len(plotColors)]
		for j := range s.x {
			x, y := px(s.x[j]), py(s.y[j])
			if j > 0 {
				line(img, px(s.x[j-1]), py(s.y[j-1]), x, y, c)
			}
			dot(img, x, y, c)
		}
		ly := y1 + 10 + i*24
		line(img, x1+15, ly+7, x1+15+plotLegendLineLength, ly+7, c)
		dot(img, x1+15+plotLegendLineLength/2, ly+7, c)
		drawText(img, x1+20+plotLegendLineLength, ly, s.name, black, plotFontScale)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("plot: %w", err)
	}
	return buf.Bytes(), nil
}

// WritePlotFile writes PlotPNG to path.
func (r *Report) WritePlotFile(path string) error {
	b, err := r.PlotPNG()
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return fmt.Errorf("write plot: %w", err)
	}
	return nil
}

func hline(img *image.RGBA, xa, xb, y int, c color.Color) {
	for x := xa; x <= xb; x++ {
		img.Set(x, y, c)
	}
}

func vline(img *image.RGBA, x, ya, yb int, c color.Color) {
	for y := min(ya, yb); y <= max(ya, yb); y++ {
		img.Set(x, y, c)
	}
}

// line draws a 2-pixel-wide segment (Bresenham).
func line(img *image.RGBA, xa, ya, xb, yb int, c color.Color) {
	dx, dy := abs(xb-xa), -abs(yb-ya)
	sx, sy := 1, 1
	if xa > xb {
		sx = -1
	}
	if ya > yb {
		sy = -1
	}
	e := dx + dy
	for {
		img.Set(xa, ya, c)
		img.Set(xa, ya+1, c)
		if xa == xb && ya == yb {
			return
		}
		e2 := 2 * e
		if e2 >= dy {
			e += dy
			xa += sx
		}
		if e2 <= dx {
			e += dx
			ya += sy
		}
	}
}

func dot(img *image.RGBA, x, y int, c color.Color) {
	for dy := -3; dy <= 3; dy++ {
		for dx := -3; dx <= 3; dx++ {
			if dx*dx+dy*dy <= 9 {
				img.Set(x+dx, y+dy, c)
			}
		}
	}
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}
