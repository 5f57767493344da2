/**
 * Go highlighting for golink_magic's `%%gofile` and `%%gotxtar` cells in JupyterLab 4.
 *
 * A notebook gives every code cell the kernel's language (Python).  Like the qsharp and
 * jupysql-plugin extensions, this one sets a cell model's `mimeType` when the cell's first line
 * is one of our magics, and gives it back to the notebook's own `codeMimetype` when the magic
 * line goes.  The two mime types are registered languages: the magic line is drawn as `meta`,
 * the rest with CodeMirror's Go mode (the one JupyterLab uses for `text/x-go`), so a Go comment
 * and a Python comment share `--jp-mirror-editor-comment-color`.  In `%%gotxtar` cells the file
 * markers (`-- path --` and `// -- path --`) are headings on a shaded band.
 *
 * "Format Go" (cell context menu, command palette) runs the embedded toolchain's gofmt in the
 * notebook's kernel on the cell's Go files and leaves the magic line and the markers alone.
 *
 * A second plugin gives the views in outputs their arrow keys.  JupyterLab runs no <script> of an
 * output, so golink_magic/static/keyboard.js (what static pages and the course website use) does
 * not reach them; the same roving focus lives here instead.
 */
import { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ICommandPalette, Notification } from '@jupyterlab/apputils';
import { IEditorLanguageRegistry } from '@jupyterlab/codemirror';
import { INotebookTracker, Notebook, NotebookPanel } from '@jupyterlab/notebook';
import type { ICellModel } from '@jupyterlab/cells';
import { LanguageSupport, StreamLanguage, StreamParser } from '@codemirror/language';
import { go } from '@codemirror/legacy-modes/mode/go';
import { RangeSetBuilder } from '@codemirror/state';
import { Decoration, DecorationSet, EditorView, ViewPlugin, ViewUpdate } from '@codemirror/view';

const GOFILE = 'text/x-golink-gofile';
const GOTXTAR = 'text/x-golink-gotxtar';
const MAGIC = /^%%(gofile|gotxtar)(?=\s|$)/;
/** The same marker as golink_magic/txtar.py's `_MARKER`. */
const MARKER = /^[ \t]*(?:\/\/[ \t]*)?-- (\S(?:.*\S)?) --[ \t]*$/;
const FORMAT = 'golink-magic:format-go';

/** Our mime type for a cell's source, or null when its first line is no magic of ours. */
function mimeFor(source: string): string | null {
  const m = MAGIC.exec(source);
  return m ? (m[1] === 'gofile' ? GOFILE : GOTXTAR) : null;
}

// --- the two languages ---------------------------------------------------------------------

interface State {
  magic: boolean; // still on the magic line
  file: 'go' | 'other' | 'none'; // what the current txtar file is ('none': the archive's comment)
  unit: number;
  go: any; // the Go mode's state
}

function parser(txtar: boolean): StreamParser<State> {
  return {
    name: txtar ? 'gotxtar' : 'gofile',
    startState: unit => ({ magic: true, file: txtar ? 'none' : 'go', unit, go: go.startState!(unit) }),
    copyState: s => ({ ...s, go: { ...s.go } }),
    token(stream, state) {
      if (state.magic) {
        stream.skipToEnd();
        state.magic = false;
        return 'meta';
      }
      const marker = txtar && stream.sol() ? MARKER.exec(stream.string) : null;
      if (marker) {
        stream.skipToEnd();
        state.file = marker[1].endsWith('.go') ? 'go' : 'other';
        state.go = go.startState!(state.unit);
        return 'heading';
      }
      if (state.file === 'go') {
        return go.token(stream, state.go);
      }
      if (state.file === 'other' && stream.match(/^\/\//)) {
        stream.skipToEnd(); // assembly and go.mod: only their comments
        return 'comment';
      }
      stream.next();
      stream.eatWhile(c => c !== '/');
      return null;
    },
    indent: (state, after, cx) => (state.file === 'go' ? go.indent!(state.go, after, cx) : null),
    languageData: go.languageData
  };
}

/** A class on each txtar marker line (below the magic line), for the shaded band. */
const markerLine = Decoration.line({ class: 'glm-txtar-marker' });
const markerLines = ViewPlugin.fromClass(
  class {
    decorations: DecorationSet;
    constructor(view: EditorView) {
      this.decorations = this.build(view);
    }
    update(update: ViewUpdate) {
      if (update.docChanged || update.viewportChanged) {
        this.decorations = this.build(update.view);
      }
    }
    build(view: EditorView): DecorationSet {
      const builder = new RangeSetBuilder<Decoration>();
      for (const { from, to } of view.visibleRanges) {
        for (let pos = from; pos <= to; ) {
          const line = view.state.doc.lineAt(pos);
          if (line.number > 1 && MARKER.test(line.text)) {
            builder.add(line.from, line.from, markerLine);
          }
          pos = line.to + 1;
        }
      }
      return builder.finish();
    }
  },
  { decorations: v => v.decorations }
);

// --- following the magic line ---------------------------------------------------------------

const followed = new WeakSet<ICellModel>();

/** Keep a code cell's mime type in step with its first line, whoever changes either. */
function follow(cell: ICellModel, notebook: Notebook): void {
  if (cell.type !== 'code' || followed.has(cell)) {
    return;
  }
  followed.add(cell);
  const sync = () => {
    const wanted = mimeFor(cell.sharedModel.getSource());
    if (wanted) {
      if (cell.mimeType !== wanted) {
        cell.mimeType = wanted;
      }
    } else if (cell.mimeType === GOFILE || cell.mimeType === GOTXTAR) {
      cell.mimeType = notebook.codeMimetype; // the magic line went: back to the kernel's language
    }
  };
  cell.sharedModel.changed.connect((_, change) => {
    if (change.sourceChange) {
      sync();
    }
  });
  // the notebook resets every code cell when the kernel's language arrives or changes
  cell.mimeTypeChanged.connect(sync);
  sync();
}

function followNotebook(panel: NotebookPanel): void {
  const notebook = panel.content;
  const scan = () => {
    for (const cell of notebook.model?.cells ?? []) {
      follow(cell, notebook);
    }
  };
  const attach = () => {
    notebook.model?.cells.changed.connect(scan);
    scan();
  };
  notebook.modelChanged.connect(attach);
  attach();
}

// --- Format Go ------------------------------------------------------------------------------

/** One expression for the kernel: [returncode, stdout, stderr] of gofmt for each source. */
function gofmtExpression(sources: string[]): string {
  return `(lambda gofmt, run: __import__('IPython.display', fromlist=['JSON']).JSON([
    (lambda r: [r.returncode, r.stdout, r.stderr])(run([gofmt], input=src, capture_output=True, text=True))
    for src in ${JSON.stringify(sources)}]))(
  str(__import__('golink_magic').default_toolchain().goroot / 'bin' / 'gofmt'), __import__('subprocess').run)`;
}

async function formatGo(panel: NotebookPanel, cell: ICellModel): Promise<void> {
  const source = cell.sharedModel.getSource();
  const kind = mimeFor(source);
  const kernel = panel.sessionContext.session?.kernel;
  if (!kind) {
    return;
  }
  if (!kernel) {
    Notification.warning('Format Go needs a running kernel (it runs gofmt there).');
    return;
  }
  // the cell as pieces: the magic line, then (txtar) marker lines and file bodies
  const lines = source.split(/(?<=\n)/);
  const pieces: { text: string; go: boolean; after: number }[] = [{ text: lines[0], go: false, after: 0 }];
  let current = { text: '', go: kind === GOFILE, after: 1 }; // `after`: cell lines before the piece
  lines.slice(1).forEach((line, i) => {
    const marker = kind === GOTXTAR ? MARKER.exec(line.replace(/\r?\n$/, '')) : null;
    if (marker) {
      pieces.push(current, { text: line, go: false, after: i + 1 });
      current = { text: '', go: marker[1].endsWith('.go'), after: i + 2 };
    } else {
      current.text += line;
    }
  });
  pieces.push(current);
  const goPieces = pieces.filter(p => p.go && p.text.trim());
  if (!goPieces.length) {
    return;
  }
  const reply = await kernel.requestExecute({
    code: '',
    silent: true,
    store_history: false,
    user_expressions: { gofmt: gofmtExpression(goPieces.map(p => p.text)) }
  }).done;
  const result = (reply.content as any).user_expressions?.gofmt;
  if (result?.status !== 'ok') {
    Notification.error(`Format Go: ${result?.ename ?? 'error'}: ${result?.evalue ?? 'no reply'}`);
    return;
  }
  const outcomes = result.data['application/json'] as [number, string, string][];
  const failed = outcomes.findIndex(([code]) => code !== 0);
  if (failed >= 0) {
    const where = (_: string, line: string) => `line ${+line + goPieces[failed].after}`; // as the cell counts
    Notification.error(`gofmt: ${outcomes[failed][2].replace(/<standard input>:(\d+)/g, where)}`, { autoClose: false });
    return;
  }
  goPieces.forEach((piece, i) => {
    const last = piece === pieces[pieces.length - 1];
    piece.text = last && !piece.text.endsWith('\n') ? outcomes[i][1].replace(/\n$/, '') : outcomes[i][1];
  });
  const formatted = pieces.map(p => p.text).join('');
  if (formatted !== source && cell.sharedModel.getSource() === source) { // not edited meanwhile
    cell.sharedModel.setSource(formatted);
  }
}

// --- keyboard: roving focus inside a view's pane ---------------------------------------------

/** What golink_magic/static/keyboard.js moves between: a source line or an assembly row. */
const ITEM = '.glm [role="listitem"][tabindex]';
const PANE = '.glm-scroll, .glm-cell, .glm-pane';
const STEPS: { [key: string]: number } = {
  ArrowDown: 1,
  ArrowUp: -1,
  PageDown: 10,
  PageUp: -10,
  Home: -Infinity,
  End: Infinity
};

/**
 * Each pane of a view is one Tab stop (the row with tabindex 0); inside it the arrow keys move to
 * the next or previous visible row, PageUp/PageDown by ten, Home/End to the first/last, and the
 * tab stop moves along.  Focusing a row lights what hovering lights (CSS :focus rules of the view).
 * Only a key that moves the focus is taken from JupyterLab: the notebook's command-mode arrow
 * keys (cell up/down) still work on the first and last row, and with a modifier.
 */
function moveFocus(event: KeyboardEvent): void {
  const here = event.target;
  const step = STEPS[event.key];
  if (step === undefined || event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) {
    return;
  }
  if (!(here instanceof HTMLElement) || !here.matches(ITEM)) {
    return;
  }
  const pane = here.closest(PANE) ?? here.parentElement;
  const rows = pane ? Array.from(pane.querySelectorAll<HTMLElement>(ITEM)) : [];
  const items = rows.filter(e => e.getClientRects().length > 0); // not in a closed fold
  const at = items.indexOf(here);
  const to = isFinite(step) ? at + step : step < 0 ? 0 : items.length - 1;
  const next = items[Math.max(0, Math.min(items.length - 1, to))];
  if (!next || next === here) {
    return;
  }
  event.preventDefault();
  event.stopPropagation(); // before the notebook's own keydown handling and JupyterLab's shortcuts
  here.setAttribute('tabindex', '-1');
  next.setAttribute('tabindex', '0');
  next.focus();
}

const keyboard: JupyterFrontEndPlugin<void> = {
  id: 'golink-magic-highlight:keyboard',
  description: "Arrow keys inside the panes of golink_magic's views (roving tabindex)",
  autoStart: true,
  activate: () => {
    const w = window as any;
    if (w.__golinkKeyboard) {
      return;
    }
    w.__golinkKeyboard = true; // keyboard.js, should a page load it too, stands aside
    // capture phase on the window: ahead of every keydown listener of the notebook and the
    // application (JupyterLab's shortcuts listen on the document)
    window.addEventListener('keydown', moveFocus, true);
  }
};

// --- the plugin -----------------------------------------------------------------------------

const plugin: JupyterFrontEndPlugin<void> = {
  id: 'golink-magic-highlight:plugin',
  description: 'Go highlighting (and Format Go) for %%gofile and %%gotxtar cells',
  autoStart: true,
  requires: [IEditorLanguageRegistry, INotebookTracker],
  optional: [ICommandPalette],
  activate: (
    app: JupyterFrontEnd,
    languages: IEditorLanguageRegistry,
    tracker: INotebookTracker,
    palette: ICommandPalette | null
  ) => {
    languages.addLanguage({
      name: 'golink-gofile',
      displayName: 'Go (%%gofile)',
      mime: GOFILE,
      extensions: [],
      load: async () => new LanguageSupport(StreamLanguage.define(parser(false)))
    });
    languages.addLanguage({
      name: 'golink-gotxtar',
      displayName: 'Go txtar (%%gotxtar)',
      mime: GOTXTAR,
      extensions: [],
      load: async () => new LanguageSupport(StreamLanguage.define(parser(true)), [markerLines])
    });
    tracker.forEach(followNotebook);
    tracker.widgetAdded.connect((_, panel) => followNotebook(panel));

    // the cell right-clicked on (context menu), else the active cell (command palette)
    const target = () => {
      const node = app.contextMenuHitTest(n => n.classList.contains('jp-CodeCell'));
      const notebook = tracker.currentWidget?.content;
      return (node ? notebook?.widgets.find(w => w.node === node) : notebook?.activeCell)?.model;
    };
    const isGoCell = () => !!mimeFor(target()?.sharedModel.getSource() ?? '');
    app.commands.addCommand(FORMAT, {
      label: 'Format Go',
      caption: "gofmt this %%gofile / %%gotxtar cell's Go files (the magic line stays as it is)",
      isEnabled: isGoCell,
      isVisible: isGoCell,
      execute: () => {
        const panel = tracker.currentWidget;
        const cell = target();
        return panel && cell ? formatGo(panel, cell) : undefined;
      }
    });
    app.contextMenu.addItem({ command: FORMAT, selector: '.jp-CodeCell', rank: 1 });
    palette?.addItem({ command: FORMAT, category: 'Notebook Cell Operations' });
  }
};

export default [plugin, keyboard];
