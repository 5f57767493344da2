"""The course's own exercises (the ones the chapters' cells check), registered with the
framework of :mod:`golink_magic.course.framework`; ``check`` and ``judge`` are re-exported so a
notebook needs one import: ``from golink_magic.exercises import check``."""

from __future__ import annotations

from ..model.options import Options
from .framework import (
    EXERCISES, Attempt, Exercise, Requirement, Verdict, builds, calls_pulled, check, defines_alone, directive, goarch,
    judge, no_directive, predicted, prints, pulls_from, references, references_package, register, relocates, runs,
    unchanged, value_from, without_ldflag,
)

__all__ = ["EXERCISES", "Attempt", "Exercise", "Requirement", "Verdict", "check", "judge", "register"]

_SECRET = '"the cellar door is blue"'
for _ex in [
    Exercise("export-secret", "main prints hello's secret through an exported name, without any directive", [
        builds(), runs(),
        no_directive("this exercise is about export rules, so solve it without //go:linkname"),
        unchanged("export-secret", "main.go"),
        prints("the cellar door is blue", "main does not print hello's secret sentence yet"),
        references_package("course/hello", missing="main.main never reaches into package hello yet"),
        relocates("course/hello.secret", missing="no compiled function of the module reads course/hello.secret: "
                  "the sentence must come from hello's variable"),
        value_from("hello/hello.go", _SECRET, '"a green door"', "a green door")]),
    Exercise("fix-unsafe", "the pull of hello's secret compiles and main prints it", [
        builds(), runs(),
        unchanged("fix-unsafe", "hello/hello.go"),
        directive("course/hello.secret", "keep the //go:linkname directive that pulls course/hello.secret"),
        relocates("course/hello.secret", "course", missing="main's object never references course/hello.secret"),
        prints("secret = the cellar door is blue", "main does not print hello's secret yet"),
        value_from("hello/hello.go", _SECRET, '"a green door"', "secret = a green door")]),
    Exercise("pull-function", "main's body-less triple runs hello's private code", [
        builds(), runs(),
        unchanged("pull-function", "hello/hello.go"),
        directive("course/hello.triple", "main needs a //go:linkname that binds triple to course/hello.triple"),
        relocates("course/hello.triple", "course", "R_CALL", missing="main's object never calls course/hello.triple"),
        prints("triple(14) = 42", "main does not print triple(14) = 42 yet"),
        value_from("hello/hello.go", "3 * n", "4 * n", "triple(14) = 56")]),
    Exercise("write-through", "a store in main changes the value hello itself reports", [
        builds(), runs(),
        unchanged("write-through", "hello/hello.go"),
        directive("course/hello.level", "main needs a //go:linkname that binds its level to course/hello.level"),
        relocates("course/hello.level", "course", missing="main's object never references course/hello.level"),
        references("course/hello.level", "store", missing="main.main does not store into hello's symbol yet"),
        prints("hello.Level() = 7", "hello still reports its own level, not the 7 that main stores"),
        value_from("hello/hello.go", "return level }", "return level * 3 }", "hello.Level() = 21")]),
    Exercise("one-definition", "hello's push links and both getters report hello's 5", [
        builds(), runs(),
        unchanged("one-definition", "main.go", "hello/hello.go"),
        defines_alone("table/ciao.shadow", "table/hello"),
        prints("hello.hidden=5 ciao.shadow=5", "the two getters do not both report 5 yet"),
        value_from("hello/hello.go", "var hidden int64 = 5", "var hidden int64 = 6", "hello.hidden=6 ciao.shadow=6")]),
    Exercise("method-receiver", "the 386 build of the pulled method returns 5 every time", [
        goarch("386"), builds(), runs(),
        unchanged("method-receiver", "hello/hello.go", "main.go"),
        directive("full/hello.Box.value", "keep the //go:linkname that pulls full/hello.Box.value"),
        relocates("full/hello.Box.value", None, "R_CALL",
                  missing="no compiled function of the module calls full/hello.Box.value"),
        prints("value()=5", "on 386 the pulled method still returns a wrong number"),
        value_from("hello/hello.go", "var hidden int64 = 5", "var hidden int64 = 9", "value()=9")],
        Options(goarch="386", objects=True)),
    Exercise("private-field", "ciao reads the ticket's seat number through its copied type", [
        builds(), runs(),
        unchanged("private-field", "hello/hello.go", "main.go"),
        directive("full/hello.newTicket", "keep the //go:linkname that pulls full/hello.newTicket"),
        relocates("full/hello.newTicket", None, "R_CALL",
                  missing="no compiled function of the module calls full/hello.newTicket"),
        prints("seat = 42", "ciao does not read the seat number 42 yet"),
        value_from("hello/hello.go", "seat: 42", "seat: 43", "seat = 43")]),
    Exercise("annotated-pull", "the clock pull links on Go 1.27 with the linker check still on", [
        without_ldflag("checklinkname", "solve it without switching the linker check off"),
        builds(), runs(),
        pulls_from("runtime", "the clock must still be pulled from the runtime with //go:linkname"),
        calls_pulled("runtime", "main's object never calls the runtime function main pulls"),
        prints("clock is running: true", "the program does not report a running clock yet")]),
    Exercise("predict-duplicate", "you predicted what two definitions of one symbol do", [predicted()],
             predict=True, needs_objects=False),
    Exercise("predict-lockdown", "you predicted what Go 1.27 does with a pull of an unannotated std symbol",
             [predicted()], predict=True, needs_objects=False),
]:
    register(_ex)
