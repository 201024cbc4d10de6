package main

import (
	"fmt"
	"html"
	"math"
	"strings"
)

// colors of the variants in the plot, in report order.
var colors = []string{"#1f77b4", "#17becf", "#d62728", "#ff7f0e", "#2ca02c", "#9467bd"}

// plot draws throughput, median and p99 latency against concurrency for
// every variant, as an SVG of three panels side by side. Concurrencies are
// spaced evenly (they usually double). Throughput has a linear axis from
// zero; latency a logarithmic one, so that 1 ms and 250 ms both read.
func plot(r *report) []byte {
	const (
		panelW, panelH = 300, 230
		left, top      = 60, 80
		gap            = 70
	)
	width := left + 3*panelW + 2*gap + 20
	height := top + panelH + 60
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n", width, height, width, height)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	fmt.Fprintf(&b, `<text x="%d" y="20" font-size="14" font-weight="bold">One hop vs three: bench.Query on loopback, medians of %d rounds (%s)</text>`+"\n", left, r.Options.Rounds, html.EscapeString(r.When.Format("2006-01-02")))
	// Legend, on a second line when the first is full.
	x, y := left, 38
	for i, key := range r.order {
		w := 45 + 7*len(r.labels[key])
		if x > left && x+w > width {
			x, y = left, y+18
		}
		fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="3"/><text x="%d" y="%d">%s</text>`+"\n",
			x, y, x+20, y, colors[i%len(colors)], x+25, y+4, html.EscapeString(r.labels[key]))
		x += w
	}
	panels := []struct {
		title string
		log   bool
		value func(cell) float64
	}{
		{"throughput (requests/s)", false, func(c cell) float64 { return c.RPS }},
		{"p50 latency (ms, log scale)", true, func(c cell) float64 { return c.P50ms }},
		{"p99 latency (ms, log scale)", true, func(c cell) float64 { return c.P99ms }},
	}
	levels := r.Options.Levels
	for pi, p := range panels {
		x0 := left + pi*(panelW+gap)
		y0 := top + panelH
		minV, maxV := math.Inf(1), 0.0
		for _, c := range r.Cells {
			if v := p.value(c); v > 0 {
				minV, maxV = min(minV, v), max(maxV, v)
			}
		}
		var ticks []float64
		var yOf func(v float64) float64 // value -> pixel
		if p.log && maxV > 0 {
			lo, hi := math.Floor(math.Log10(minV)), math.Ceil(math.Log10(maxV))
			if hi == lo {
				hi++
			}
			for e := lo; e <= hi; e++ {
				for _, m := range []float64{1, 2, 5} {
					if v := m * math.Pow(10, e); v <= math.Pow(10, hi) {
						ticks = append(ticks, v)
					}
				}
			}
			yOf = func(v float64) float64 {
				return float64(y0) - (math.Log10(max(v, math.Pow(10, lo)))-lo)/(hi-lo)*panelH
			}
		} else {
			step := niceStep(maxV / 5)
			maxY := math.Ceil(maxV/step) * step
			if maxY == 0 {
				maxY = 1
			}
			for v := 0.0; v <= maxY+step/2; v += step {
				ticks = append(ticks, v)
			}
			yOf = func(v float64) float64 { return float64(y0) - v/maxY*panelH }
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-weight="bold">%s</text>`+"\n", x0, top-8, p.title)
		for _, v := range ticks {
			y := yOf(v)
			fmt.Fprintf(&b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ddd"/><text x="%d" y="%.1f" text-anchor="end">%s</text>`+"\n",
				x0, y, x0+panelW, y, x0-5, y+4, trimFloat(v))
		}
		xAt := func(i int) float64 {
			if len(levels) == 1 {
				return float64(x0) + panelW/2
			}
			return float64(x0) + 15 + float64(i)*(panelW-30)/float64(len(levels)-1)
		}
		for i, c := range levels {
			fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle">%d</text>`+"\n", xAt(i), y0+16, c)
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle">concurrent connections</text>`+"\n", x0+panelW/2, y0+34)
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#888"/>`+"\n", x0, top, panelW, panelH)
		for vi, key := range r.order {
			var pts []string
			for i, c := range levels {
				y := yOf(p.value(r.cell(key, c)))
				pts = append(pts, fmt.Sprintf("%.1f,%.1f", xAt(i), y))
			}
			color := colors[vi%len(colors)]
			fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="2"/>`+"\n", strings.Join(pts, " "), color)
			for _, pt := range pts {
				xy := strings.Split(pt, ",")
				fmt.Fprintf(&b, `<circle cx="%s" cy="%s" r="3" fill="%s"/>`+"\n", xy[0], xy[1], color)
			}
		}
	}
	b.WriteString("</svg>\n")
	return []byte(b.String())
}

// niceStep rounds a raw grid step up to 1, 2 or 5 times a power of ten.
func niceStep(raw float64) float64 {
	if raw <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= raw {
			return m * p
		}
	}
	return 10 * p
}

func trimFloat(v float64) string {
	s := fmt.Sprintf("%.2f", v)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s
}
