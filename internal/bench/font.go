package bench

import (
	"image"
	"image/color"
	"strings"
)

// A 5x7 bitmap font for the plot's labels (the standard library draws no
// text). Each glyph is 7 rows of 5 columns, '#' set.
func glyph(r rune) [7]string {
	switch r {
	case '0':
		return [7]string{" ### ", "#   #", "#  ##", "# # #", "##  #", "#   #", " ### "}
	case '1':
		return [7]string{"  #  ", " ##  ", "  #  ", "  #  ", "  #  ", "  #  ", " ### "}
	case '2':
		return [7]string{" ### ", "#   #", "    #", "   # ", "  #  ", " #   ", "#####"}
	case '3':
		return [7]string{"#####", "   # ", "  #  ", "   # ", "    #", "#   #", " ### "}
	case '4':
		return [7]string{"   # ", "  ## ", " # # ", "#  # ", "#####", "   # ", "   # "}
	case '5':
		return [7]string{"#####", "#    ", "#### ", "    #", "    #", "#   #", " ### "}
	case '6':
		return [7]string{"  ## ", " #   ", "#    ", "#### ", "#   #", "#   #", " ### "}
	case '7':
		return [7]string{"#####", "    #", "   # ", "  #  ", " #   ", " #   ", " #   "}
	case '8':
		return [7]string{" ### ", "#   #", "#   #", " ### ", "#   #", "#   #", " ### "}
	case '9':
		return [7]string{" ### ", "#   #", "#   #", " ####", "    #", "   # ", " ##  "}
	case 'a':
		return [7]string{"     ", "     ", " ### ", "    #", " ####", "#   #", " ####"}
	case 'b':
		return [7]string{"#    ", "#    ", "# ## ", "##  #", "#   #", "#   #", "#### "}
	case 'c':
		return [7]string{"     ", "     ", " ### ", "#    ", "#    ", "#   #", " ### "}
	case 'd':
		return [7]string{"    #", "    #", " ## #", "#  ##", "#   #", "#   #", " ####"}
	case 'e':
		return [7]string{"     ", "     ", " ### ", "#   #", "#####", "#    ", " ### "}
	case 'f':
		return [7]string{"  ## ", " #  #", " #   ", "###  ", " #   ", " #   ", " #   "}
	case 'g':
		return [7]string{"     ", " ####", "#   #", "#   #", " ####", "    #", " ### "}
	case 'h':
		return [7]string{"#    ", "#    ", "# ## ", "##  #", "#   #", "#   #", "#   #"}
	case 'i':
		return [7]string{"  #  ", "     ", " ##  ", "  #  ", "  #  ", "  #  ", " ### "}
	case 'j':
		return [7]string{"   # ", "     ", "  ## ", "   # ", "   # ", "#  # ", " ##  "}
	case 'k':
		return [7]string{"#    ", "#    ", "#  # ", "# #  ", "##   ", "# #  ", "#  # "}
	case 'l':
		return [7]string{" ##  ", "  #  ", "  #  ", "  #  ", "  #  ", "  #  ", " ### "}
	case 'm':
		return [7]string{"     ", "     ", "## # ", "# # #", "# # #", "#   #", "#   #"}
	case 'n':
		return [7]string{"     ", "     ", "# ## ", "##  #", "#   #", "#   #", "#   #"}
	case 'o':
		return [7]string{"     ", "     ", " ### ", "#   #", "#   #", "#   #", " ### "}
	case 'p':
		return [7]string{"     ", "     ", "#### ", "#   #", "#### ", "#    ", "#    "}
	case 'q':
		return [7]string{"     ", "     ", " ## #", "#  ##", " ####", "    #", "    #"}
	case 'r':
		return [7]string{"     ", "     ", "# ## ", "##  #", "#    ", "#    ", "#    "}
	case 's':
		return [7]string{"     ", "     ", " ####", "#    ", " ### ", "    #", "#### "}
	case 't':
		return [7]string{" #   ", " #   ", "###  ", " #   ", " #   ", " #  #", "  ## "}
	case 'u':
		return [7]string{"     ", "     ", "#   #", "#   #", "#   #", "#  ##", " ## #"}
	case 'v':
		return [7]string{"     ", "     ", "#   #", "#   #", "#   #", " # # ", "  #  "}
	case 'w':
		return [7]string{"     ", "     ", "#   #", "#   #", "# # #", "# # #", " # # "}
	case 'x':
		return [7]string{"     ", "     ", "#   #", " # # ", "  #  ", " # # ", "#   #"}
	case 'y':
		return [7]string{"     ", "     ", "#   #", "#   #", " ####", "    #", " ### "}
	case 'z':
		return [7]string{"     ", "     ", "#####", "   # ", "  #  ", " #   ", "#####"}
	case '/':
		return [7]string{"     ", "    #", "   # ", "  #  ", " #   ", "#    ", "     "}
	case '-':
		return [7]string{"     ", "     ", "     ", "#####", "     ", "     ", "     "}
	case '.':
		return [7]string{"     ", "     ", "     ", "     ", "     ", " ##  ", " ##  "}
	case ',':
		return [7]string{"     ", "     ", "     ", "     ", " ##  ", "  #  ", " #   "}
	case '(':
		return [7]string{"   # ", "  #  ", " #   ", " #   ", " #   ", "  #  ", "   # "}
	case ')':
		return [7]string{" #   ", "  #  ", "   # ", "   # ", "   # ", "  #  ", " #   "}
	case '=':
		return [7]string{"     ", "     ", "#####", "     ", "#####", "     ", "     "}
	}
	return [7]string{"     ", "     ", "     ", "     ", "     ", "     ", "     "}
}

// textWidth is the width in pixels of s at scale.
func textWidth(s string, scale int) int { return len(s) * 6 * scale }

// drawText draws s (lower-cased) with its top-left corner at (x, y).
func drawText(img *image.RGBA, x, y int, s string, c color.Color, scale int) {
	for i, r := range strings.ToLower(s) {
		g := glyph(r)
		for row, line := range g {
			for col := range 5 {
				if line[col] != '#' {
					continue
				}
				for dy := range scale {
					for dx := range scale {
						img.Set(x+(i*6+col)*scale+dx, y+row*scale+dy, c)
					}
				}
			}
		}
	}
}
