"""The browser's tool host, the parts that are plain Python (the fast tier): which site files a
tool run is handed, and which workspace files travel to it.  The runs themselves are
tests/test_lite.py's, in Chromium."""

from __future__ import annotations

from golink_magic.engine.wasi import BrowserTools, Site, _files_under


def test_a_run_is_handed_the_archives_its_importcfg_names_and_the_include_files(tmp_path):
    site = Site("http://127.0.0.1:1/golink/", "go1.27.3", {"compile": "tools/compile.wasm"}, {}, "wasip1_wasm")
    cfg = tmp_path / "importcfg"
    cfg.write_text("# import config\npackagefile fmt=/golink/pkg/linux_amd64/fmt.a\n"
                   f"packagefile full/hello={tmp_path}/b001/_pkg_.a\n")
    files, dirs = _files_under([str(tmp_path)])
    wanted = BrowserTools(site)._site_files(["-importcfg", str(cfg), "-I", "/golink/go/pkg/include", "x.go"], files)
    assert wanted["/golink/pkg/linux_amd64/fmt.a"] == "http://127.0.0.1:1/golink/pkg/linux_amd64/fmt.a"
    assert "/golink/go/pkg/include/textflag.h" in wanted
    assert not any("full/hello" in k or str(tmp_path) in k for k in wanted)  # the workspace's own travel as files
    assert str(tmp_path) in dirs and files[str(cfg)].startswith(b"# import config")
