"""Small Go programs the tests build (written for these tests)."""

HELLO = """package hello

var secret = "kept inside hello"
var Greeting = "hello, exported"
"""

MAIN_PULL = """package main

import (
	"fmt"

	"example1/hello"
	_ "unsafe"
)

//go:linkname borrowed example1/hello.secret
var borrowed string

func main() {
	fmt.Println(hello.Greeting)
	fmt.Println(borrowed)
}
"""

# The blog post's own layout: everything under example1/, marker comments, no go.mod.
EXAMPLE1_BLOG_STYLE = "// -- example1/hello/hello.go --\n" + HELLO + "\n\n// -- example1/main.go --\n" + MAIN_PULL

# Three packages: hello defines, ciao pulls a var and a function, hello pushes a byte slice.
MULTI = """-- go.mod --
module expl

go 1.19
-- hello/hello.go --
package hello

import _ "unsafe"

//go:linkname word expl/ciao.pushedWord
var counter int64 = 7
var word = []byte("pushed")

func addCounter(n int64) int64 { return n + counter }

func Counter() int64 { return counter }
-- ciao/ciao.go --
package ciao

import (
	_ "expl/hello"
	_ "unsafe"
)

//go:linkname pulledCounter expl/hello.counter
var pulledCounter int64

var pushedWord []byte

//go:linkname Add expl/hello.addCounter
func Add(n int64) int64

func Counter() int64 { return pulledCounter }
func Word() string   { return string(pushedWord) }
-- main.go --
package main

import (
	"fmt"

	"expl/ciao"
	"expl/hello"
)

func main() {
	fmt.Printf("hello=%d ciao=%d word=%s add=%d\\n", hello.Counter(), ciao.Counter(), ciao.Word(), ciao.Add(3))
}
"""

# A function pushed under another package's name: its symbol is not main.* but its file is ours.
PUSHED_FUNC = """-- go.mod --
module pushy

go 1.19
-- lib/lib.go --
package lib

func Twice(n int) int

//go:noinline
func Use(n int) int { return Twice(n) + 1 }
-- lib/empty.s --
-- main.go --
package main

import (
	"fmt"
	_ "unsafe"

	"pushy/lib"
)

//go:linkname double pushy/lib.Twice
//go:noinline
func double(n int) int { return n * 2 }

func main() { fmt.Println(lib.Use(21)) }
"""

DUPLICATE = """-- go.mod --
module dup

go 1.19
-- a/a.go --
package a

var Value int64 = 1
-- main.go --
package main

import (
	"fmt"
	_ "unsafe"

	"dup/a"
)

//go:linkname local dup/a.Value
var local int64 = 2

func main() { fmt.Println(a.Value, local) }
"""


def main_only(body: str, imports: str = "") -> str:
    """A package main with ``body`` inside func main."""
    return f"package main\n\n{imports}\nfunc main() {{\n{body}\n}}\n"
