"""The files each exercise starts from, as the course's cells write them (``notebooks/src``;
tests/test_exercises.py keeps this in step with the notebooks).  A file an exercise says to leave
alone must still be exactly this; a prediction is judged on its exercise's own module, written
here as a txtar archive."""

STARTS: dict[str, dict[str, str]] = {
    'export-secret': {
        'hello/hello.go': 'package hello\n\nvar secret = "the cellar door is blue"\n\nvar Greeting = "hello to every package"\n',
        'main.go': 'package main\n\nimport (\n\t"fmt"\n\n\t"course/hello"\n)\n\nfunc main() {\n\tfmt.Println("revealed:", hello.Reveal())\n}\n',
    },
    'fix-unsafe': {
        'hello/hello.go': 'package hello\n\nvar secret = "the cellar door is blue"\n',
        'main.go': 'package main\n\nimport (\n\t"fmt"\n\n\t_ "course/hello"\n)\n\n//go:linkname secret course/hello.secret\nvar secret string\n\nfunc main() {\n\tfmt.Println("secret =", secret)\n}\n',
    },
    'pull-function': {
        'hello/hello.go': 'package hello\n\nfunc triple(n int64) int64 { return 3 * n }\n',
        'main.go': 'package main\n\nimport "fmt"\n\nfunc triple(n int64) int64\n\nfunc main() {\n\tfmt.Println("triple(14) =", triple(14))\n}\n',
    },
    'write-through': {
        'hello/hello.go': 'package hello\n\nvar level int64 = 1\n\nfunc Level() int64 { return level }\n',
        'main.go': 'package main\n\nimport (\n\t"fmt"\n\n\t"course/hello"\n)\n\nvar level int64\n\nfunc main() {\n\tlevel = 7\n\tfmt.Println("hello.Level() =", hello.Level())\n}\n',
    },
    'predict-duplicate': {
        '__txtar__': '-- main.go --\npackage main\n\nimport (\n\t"fmt"\n\n\t"table/ciao"\n\t"table/hello"\n)\n\nfunc main() { fmt.Println(hello.A(), ciao.B()) }\n-- hello/hello.go --\npackage hello\n\nimport _ "unsafe"\n\n//go:linkname a table/shared.value\nvar a int64 = 1\n\nfunc A() int64 { return a }\n-- ciao/ciao.go --\npackage ciao\n\nimport _ "unsafe"\n\n//go:linkname b table/shared.value\nvar b int64 = 2\n\nfunc B() int64 { return b }\n',
    },
    'one-definition': {
        'main.go': 'package main\n\nimport (\n\t"fmt"\n\n\t"table/ciao"\n\t"table/hello"\n)\n\nfunc main() {\n\tfmt.Printf("hello.hidden=%d ciao.shadow=%d\\n", hello.HiddenValue(), ciao.ShadowValue())\n}\n',
        'hello/hello.go': 'package hello\n\nimport _ "unsafe"\n\n//go:linkname hidden table/ciao.shadow\nvar hidden int64 = 5\n\nfunc HiddenValue() int64 { return hidden }\n',
        'ciao/ciao.go': 'package ciao\n\nvar shadow int64 = 10\n\nfunc ShadowValue() int64 { return shadow }\n',
    },
    'method-receiver': {
        'hello/hello.go': 'package hello\n\nvar hidden int64 = 5\n\ntype Box struct {\n\tlabel string\n}\n\nfunc (b Box) value() int64 { return hidden }\n',
        'main.go': 'package main\n\nimport "full/ciao"\n\nfunc main() { ciao.Extra() }\n',
        'ciao/ciao.go': 'package ciao\n\nimport (\n\t"fmt"\n\t_ "unsafe"\n\n\t_ "full/hello"\n)\n\n//go:linkname value full/hello.Box.value\nfunc value() int64\n\n//go:noinline\nfunc leave(x int64) {}\n\nfunc Extra() {\n\tleave(777)\n\tfmt.Printf("value()=%d\\n", value())\n}\n',
    },
    'private-field': {
        'hello/hello.go': 'package hello\n\ntype ticket struct {\n\towner string\n\tseat  int64\n}\n\nfunc newTicket() *ticket { return &ticket{owner: "ada", seat: 42} }\n',
        'main.go': 'package main\n\nimport (\n\t"fmt"\n\n\t"full/ciao"\n)\n\nfunc main() {\n\tfmt.Println("seat =", ciao.Seat())\n}\n',
        'ciao/ciao.go': 'package ciao\n\nimport (\n\t_ "unsafe"\n\n\t_ "full/hello"\n)\n\ntype ticketCopy struct {\n\tseat int64\n}\n\n//go:linkname issue full/hello.newTicket\nfunc issue() *ticketCopy\n\nfunc Seat() int64 { return issue().seat }\n',
    },
    'predict-lockdown': {
        'main.go': 'package main\n\nimport (\n\t"fmt"\n\t_ "strconv"\n\t_ "unsafe"\n)\n\n//go:linkname quoteWith strconv.quoteWith\nfunc quoteWith(s string, quote byte, ASCIIonly, graphicOnly bool) string\n\nfunc main() {\n\tfmt.Println(quoteWith("go", \'"\', false, false))\n}\n',
    },
    'annotated-pull': {
        'main.go': 'package main\n\nimport (\n\t"fmt"\n\t_ "unsafe"\n)\n\n//go:linkname clock runtime.nanotime1\nfunc clock() int64\n\nfunc main() {\n\tfmt.Println("clock is running:", clock() > 0)\n}\n',
    },
}
