// The browser side of golink_magic's tool host: runs Go's own tools (compile, asm, pack, link,
// objdump, nm) and wasip1 programs as WASI modules, synchronously, inside the Pyodide kernel's
// worker.  Python (golink_magic/engine/wasi.py) hands over the files a run reads and takes back
// the files it wrote; the standard library's archives are fetched once from the site and kept.
import { WASI, WASIProcExit, File, OpenFile, ConsoleStdout, PreopenDirectory, Directory } from "@bjorn3/browser_wasi_shim";

// A file a tool wrote to is marked, so that only what changed travels back to Python.
for (const name of ["fd_write", "fd_pwrite", "fd_filestat_set_size", "fd_allocate"]) {
  const original = OpenFile.prototype[name];
  OpenFile.prototype[name] = function (...args) {
    this.file.dirty = true;
    return original.apply(this, args);
  };
}
const original_open = File.prototype.path_open;
File.prototype.path_open = function (oflags, rights, fdflags) {
  const opened = original_open.call(this, oflags, rights, fdflags);
  if (opened.ret === 0 && (oflags & 8) === 8) this.dirty = true;  // O_TRUNC empties it
  return opened;
};

const compiled = new Map();  // tool name -> WebAssembly.Module (compiled once per kernel)
const fetched = new Map();   // URL -> Uint8Array (the site's archives and tools)
const siteFiles = new Map(); // URL -> read-only File (an archive placed in every run that reads it)
let fetchBytes = (url) => {
  let said = "";
  for (let attempt = 0; attempt < 3; attempt++) {  // a dropped request (a busy service worker) is tried again
    try {
      const xhr = new XMLHttpRequest();  // synchronous: allowed in a worker, and the kernel waits anyway
      xhr.open("GET", url, false);
      xhr.responseType = "arraybuffer";
      xhr.send();
      if (xhr.status === 200) return new Uint8Array(xhr.response);
      said = `HTTP ${xhr.status}`;
    } catch (e) {
      said = String(e && e.message ? e.message : e);
    }
  }
  throw new Error(`${url}: ${said}`);
};

function fetchOnce(url) {
  let data = fetched.get(url);
  if (data === undefined) {
    data = fetchBytes(url);
    fetched.set(url, data);
  }
  return data;
}

// The asynchronous way in, which Python awaits (Pyodide's run_sync) when it can, and which a
// kernel starts ahead of time: fetches run in parallel, and a module compiled while it streams
// in is the one Chromium keeps compiled in its HTTP cache for the next visit.
const pending = new Map();   // key -> Promise

function once(key, make) {
  let p = pending.get(key);
  if (p === undefined) {
    p = make().catch((e) => { pending.delete(key); throw e; });
    pending.set(key, p);
  }
  return p;
}

async function compileTool(tool, url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  let mod;
  try {
    mod = await WebAssembly.compileStreaming(response.clone());
  } catch (e) {  // a server that does not say application/wasm
    mod = await WebAssembly.compile(await response.arrayBuffer());
  }
  compiled.set(tool, mod);
}

async function fetchArchive(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  fetched.set(url, new Uint8Array(await response.arrayBuffer()));
}

// tools {name: url}, urls [url]: resolves when every tool is compiled and every file is here.
function prepare(tools, urls) {
  const work = [];
  for (const [tool, url] of Object.entries(tools || {})) {
    if (!compiled.has(tool)) work.push(once(`tool:${tool}`, () => compileTool(tool, url)));
  }
  for (const url of urls || []) {
    if (!fetched.has(url) && !siteFiles.has(url)) work.push(once(`file:${url}`, () => fetchArchive(url)));
  }
  return Promise.all(work).then(() => true);
}

function moduleOf(tool, url) {
  let mod = compiled.get(tool);
  if (mod === undefined) {
    mod = new WebAssembly.Module(fetchOnce(url));  // synchronous compile: allowed off the main thread
    compiled.set(tool, mod);
    fetched.delete(url);  // the compiled module is what is kept
  }
  return mod;
}

function place(root, path, inode) {
  const parts = path.split("/").filter((p) => p !== "");
  let dir = root;
  for (const part of parts.slice(0, -1)) {
    let next = dir.contents.get(part);
    if (next === undefined) {
      next = new Directory(new Map());
      next.parent = dir;
      dir.contents.set(part, next);
    }
    dir = next;
  }
  dir.contents.set(parts[parts.length - 1], inode);
}

function written(dir, prefix, given, out) {
  for (const [name, entry] of dir.contents) {
    const path = `${prefix}/${name}`;
    if (entry instanceof Directory) {
      written(entry, path, given, out);
    } else if (!entry.readonly && (entry.dirty || !given.has(path))) {
      out[path] = entry.data;
    }
  }
}

function collector() {
  const chunks = [];
  return { fd: new ConsoleStdout((data) => chunks.push(data.slice())), bytes: () => {
    const size = chunks.reduce((n, c) => n + c.length, 0);
    const all = new Uint8Array(size);
    let at = 0;
    for (const c of chunks) { all.set(c, at); at += c.length; }
    return all;
  } };
}

// spec: {tool, url (of tool.wasm) or program (bytes), argv, env {k: v}, cwd,
//        files {path: Uint8Array}, dirs [path], site {path: url}}
//   -> {code, stdout, stderr, files [[path, Uint8Array]], seconds, compile}
function run(spec) {
  const start = performance.now();
  const root = new Directory(new Map());
  const given = new Map();
  for (const [path, data] of Object.entries(spec.files)) {
    const file = new File(data);
    given.set(path, true);
    place(root, path, file);
  }
  for (const path of spec.dirs || []) {
    place(root, `${path}/.keep`, new File([]));  // an empty folder the tool writes into
    const parts = path.split("/").filter((p) => p !== "");
    let dir = root;
    for (const part of parts) dir = dir.contents.get(part);
    dir.contents.delete(".keep");
  }
  for (const [path, url] of Object.entries(spec.site || {})) {
    let file = siteFiles.get(url);
    if (file === undefined) {  // one read-only inode per archive, shared by every run
      file = new File(fetchOnce(url), { readonly: true });
      siteFiles.set(url, file);
      fetched.delete(url);
    }
    place(root, path, file);
  }
  const compileStart = performance.now();
  const mod = spec.program ? new WebAssembly.Module(spec.program) : moduleOf(spec.tool, spec.url);
  const compileSeconds = (performance.now() - compileStart) / 1000;
  const out = collector(), err = collector();
  const env = Object.entries({ ...spec.env, PWD: spec.cwd }).map(([k, v]) => `${k}=${v}`);
  const preopen = new PreopenDirectory("/", root.contents);
  for (const entry of root.contents.values()) if (entry instanceof Directory) entry.parent = preopen.dir;
  const wasi = new WASI(spec.argv, env, [new OpenFile(new File([])), out.fd, err.fd, preopen], { debug: false });
  let code;
  try {
    const instance = new WebAssembly.Instance(mod, { wasi_snapshot_preview1: wasi.wasiImport });
    code = wasi.start(instance);
  } catch (e) {
    if (e instanceof WASIProcExit) code = e.code;
    else {
      err.fd.write(new TextEncoder().encode(`${spec.tool}: ${e && e.message ? e.message : e}\n`));
      code = e instanceof WebAssembly.RuntimeError ? 2 : 1;
    }
  }
  const files = {};
  written(preopen.dir, "", given, files);
  return { code, stdout: out.bytes(), stderr: err.bytes(), files: Object.entries(files),
           seconds: (performance.now() - start) / 1000, compile: compileSeconds };
}

function configure(options) {
  if (options.fetchBytes) fetchBytes = options.fetchBytes;
}

function forget() {
  compiled.clear();
  fetched.clear();
  siteFiles.clear();
  pending.clear();
}

globalThis.golinkWasi = { run, prepare, configure, forget, version: "2" };
